/** Errors of the directory, independent of HTTP; the Graph layer maps kind to a status code. */
export type DirectoryErrorKind = 'badRequest' | 'forbidden' | 'notFound' | 'conflict';

export class DirectoryError extends Error {
  constructor(
    readonly kind: DirectoryErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const insufficientPrivileges = (): DirectoryError =>
  new DirectoryError('forbidden', 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

export const notFound = (id: string): DirectoryError =>
  new DirectoryError('notFound', 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

export const badRequest = (message: string, code = 'Request_BadRequest'): DirectoryError => new DirectoryError('badRequest', code, message);
