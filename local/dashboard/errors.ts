/** Errors of the dashboard server. */
export class DashboardServerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DashboardServerError';
  }
}

/** The port asked for is taken or not allowed; the message says which and what to do. */
export class DashboardPortError extends DashboardServerError {
  constructor(
    readonly port: number,
    readonly host: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`the dashboard cannot listen on ${host}:${port}: ${reason}; choose another port with --port (0 picks a free one)`, options);
    this.name = 'DashboardPortError';
  }
}
