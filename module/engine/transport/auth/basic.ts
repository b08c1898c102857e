// HTTP Basic (RFC 7617): base64 of "user:password" in UTF-8 (the charset RFC 7617 lets servers ask
// for, and the only one that can carry every Windows user name). The result is a secret as good as
// the password itself: it goes into a request header and nowhere else.

/** Why this user name cannot be sent with Basic, or null (RFC 7617 §2: no ':' in the user-id). */
export function basicUserProblem(userName: string): string | null {
  return userName.includes(':') ? 'a Basic user name cannot contain ":"' : null;
}

export function basicAuthorization(userName: string, password: string): string {
  return `Basic ${Buffer.from(`${userName}:${password}`, 'utf8').toString('base64')}`;
}
