/** When each staff member last read each thread (ms), for the list's unread markers. */
export interface ReadMarks {
  /** The marks of these threads, in order (undefined: never read). */
  get(tenantId: string, userId: string, ids: readonly string[]): Promise<Array<number | undefined>>;
  mark(tenantId: string, userId: string, conversationId: string, at: number): Promise<void>;
}
