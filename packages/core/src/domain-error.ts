// The one base of every domain error: a stable code (what clients and the console switch on) and
// a message for people. The API maps a code to its HTTP status (services/api/src/errors.ts); the
// CLI prints the message. Packages declare their own codes where they throw them.
export class DomainError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
