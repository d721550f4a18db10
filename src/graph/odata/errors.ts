/**
 * Raised for every rejected `$filter`. `message` is safe to return to clients;
 * `detail` explains the rejection for logs only.
 */
export class ODataError extends Error {
  readonly detail: string;

  constructor(detail: string, publicMessage = 'Invalid filter clause') {
    super(publicMessage);
    this.name = 'ODataError';
    this.detail = detail;
  }
}
