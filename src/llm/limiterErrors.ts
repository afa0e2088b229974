export class LimiterAbortedError extends Error {
  constructor() {
    super('cancelled while waiting for rate-limit capacity');
    this.name = 'LimiterAbortedError';
  }
}

export class LimiterStoppedError extends Error {
  constructor() {
    super('the rate limiter was stopped');
    this.name = 'LimiterStoppedError';
  }
}
