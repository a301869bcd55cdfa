/** When each tenant's last review digest was sent (ms, as a string; '' = never). The adapter is in src/storage/sla. */
export interface DigestMarks {
  lastSent(tenantId: string): Promise<string>;
  /** Moves "last sent" from what the caller read to `to`; false when another worker moved it first. */
  advance(tenantId: string, from: string, to: string): Promise<boolean>;
}
