/**
 * The key a thread holds while it is open: unique per tenant, so a person has at most one open thread
 * per course without a transaction. A resolved thread holds `closed:<id>` instead.
 */
export const openKeyFor = (userId: string, courseId?: string) => `open:${userId}:${courseId ?? '-'}`;
