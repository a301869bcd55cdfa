/** The tenant a session token (the tool's ltik JWT) belongs to, read from its payload without checking it. */
export const tenantOfSession = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).tid;
