import { bodyLimitErrorHandler } from './body-limit';

function answer(err: unknown) {
  const sent: { status?: number; body?: unknown; next?: unknown } = {};
  const res = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return { json: (body: unknown) => (sent.body = body) };
    },
  };
  bodyLimitErrorHandler(1024)(err, {}, res, (e?: unknown) => (sent.next = e));
  return sent;
}

describe('bodyLimitErrorHandler', () => {
  it('answers a body over the limit 413 PAYLOAD_TOO_LARGE', () => {
    expect(answer({ type: 'entity.too.large' })).toEqual({
      status: 413,
      body: {
        errors: [{ message: 'request body exceeds the limit of 1024 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE', maxBytes: 1024 } }],
      },
    });
  });

  it('answers malformed JSON 400 BAD_USER_INPUT on body, in the API’s own vocabulary', () => {
    expect(answer({ type: 'entity.parse.failed' })).toEqual({
      status: 400,
      body: { errors: [{ message: 'body: not valid JSON', extensions: { code: 'BAD_USER_INPUT', field: 'body' } }] },
    });
  });

  it('passes any other error on', () => {
    const err = new Error('boom');
    expect(answer(err)).toEqual({ next: err });
  });
});
