import { HttpClient, type HttpClientOptions } from './http';

/** The notification service that e-mails customer contacts. Idempotent on the key. */
export class NotifyClient {
  private readonly http: HttpClient;

  constructor(options: Omit<HttpClientOptions, 'service'>) {
    this.http = new HttpClient({ ...options, service: 'notify' });
  }

  send(to: string, subject: string, text: string, idempotencyKey: string): Promise<{ id: string }> {
    return this.http.post('/messages', { body: { to, subject, text }, idempotencyKey });
  }
}
