import { ChannelConfigurationError, isRetryable, TransientChannelError } from '../errors';
import { classifySmtpFailure, isPermanentReply, replyCode } from './smtp-failure';

// Shapes as nodemailer 10 reports them against smtp-server (see email-channel.integration-spec.ts for the live versions).
const rcptRejected = {
  message: "Can't send mail - all recipients were rejected: 550 5.1.1 <ada@example.com>: user unknown",
  code: 'EENVELOPE',
  responseCode: 550,
  permanent: true,
  command: 'RCPT TO',
  response: '550 5.1.1 <ada@example.com>: user unknown',
};

describe('classifySmtpFailure', () => {
  it('turns a permanent refusal of the recipient into BOUNCED with the server reply', () => {
    expect(classifySmtpFailure(rcptRejected)).toEqual({
      status: 'BOUNCED',
      reason: '550 5.1.1 <ada@example.com>: user unknown',
      code: '550 5.1.1',
    });
  });

  it('turns a permanent refusal of the content after DATA into BOUNCED', () => {
    const dataRejected = {
      message: 'Message failed: 554 5.7.1 spam',
      code: 'EMESSAGE',
      responseCode: 554,
      permanent: true,
      command: 'DATA',
      response: '554 5.7.1 spam',
    };
    expect(classifySmtpFailure(dataRejected)).toEqual({ status: 'BOUNCED', reason: '554 5.7.1 spam', code: '554 5.7.1' });
  });

  it('makes a 4xx reply transient and keeps its code', () => {
    const greylisted = { ...rcptRejected, responseCode: 451, permanent: false, response: '451 4.7.1 greylisted, try again later' };
    const outcome = classifySmtpFailure(greylisted);
    expect(outcome).toBeInstanceOf(TransientChannelError);
    expect(outcome).toMatchObject({ code: '451 4.7.1', retryable: true });
    expect((outcome as Error).message).toBe('SMTP server deferred RCPT TO: 451 4.7.1 greylisted, try again later');
    expect(isRetryable(outcome)).toBe(true);
  });

  it('falls back to the reply class when nodemailer did not say permanent', () => {
    expect(classifySmtpFailure({ ...rcptRejected, permanent: undefined })).toMatchObject({ status: 'BOUNCED' });
    expect(classifySmtpFailure({ ...rcptRejected, permanent: undefined, responseCode: 421, response: '421 shutting down' })).toBeInstanceOf(
      TransientChannelError,
    );
    // 503 is a session out of step, not a refusal of the message.
    expect(classifySmtpFailure({ ...rcptRejected, permanent: undefined, responseCode: 503, response: '503 bad sequence' })).toBeInstanceOf(
      TransientChannelError,
    );
  });

  it('blames the configuration, not the recipient, for a refused sender or login', () => {
    const sender = {
      message: 'Mail command failed',
      code: 'EENVELOPE',
      responseCode: 550,
      permanent: true,
      command: 'MAIL FROM',
      response: '550 5.7.1 sender not allowed',
    };
    const login = {
      message: 'Invalid login',
      code: 'EAUTH',
      responseCode: 535,
      permanent: true,
      command: 'AUTH PLAIN',
      response: '535 5.7.8 bad credentials',
    };
    for (const err of [sender, login]) {
      const outcome = classifySmtpFailure(err);
      expect(outcome).toBeInstanceOf(ChannelConfigurationError);
      expect(isRetryable(outcome)).toBe(false);
    }
    expect((classifySmtpFailure(login) as Error).message).toBe('SMTP AUTH PLAIN failed: 535 5.7.8 bad credentials');
    expect(classifySmtpFailure({ message: 'STARTTLS failed', code: 'ETLS' })).toBeInstanceOf(ChannelConfigurationError);
    const certificate = { message: 'certificate has expired', code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED', command: 'CONN' };
    expect(classifySmtpFailure(certificate)).toBeInstanceOf(ChannelConfigurationError);
    expect(classifySmtpFailure({ ...certificate, originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' })).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('makes connection failures and timeouts transient, naming the socket error', () => {
    const refused = classifySmtpFailure({
      message: 'connect ECONNREFUSED 127.0.0.1:1',
      code: 'ESOCKET',
      originalCode: 'ECONNREFUSED',
      command: 'CONN',
    });
    expect(refused).toBeInstanceOf(TransientChannelError);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(classifySmtpFailure({ message: 'Greeting never received', code: 'ETIMEDOUT' })).toBeInstanceOf(TransientChannelError);
    expect(classifySmtpFailure({ message: 'Connection closed', code: 'ECONNECTION' })).toBeInstanceOf(TransientChannelError);
    expect(classifySmtpFailure({ name: 'AbortError', message: 'This operation was aborted', code: 'EABORT' })).toBeInstanceOf(
      TransientChannelError,
    );
  });

  it('hands back an error it cannot place as it was', () => {
    const bug = new TypeError('cannot read properties of undefined');
    expect(classifySmtpFailure(bug)).toBe(bug);
  });
});

describe('reply codes', () => {
  it('reads the enhanced status when the server sends one', () => {
    expect(replyCode({ responseCode: 550, response: '550 5.1.1 user unknown' })).toBe('550 5.1.1');
    expect(replyCode({ responseCode: 550, response: '550-5.1.1 first line of several' })).toBe('550 5.1.1');
    expect(replyCode({ responseCode: 550, response: '550 user unknown' })).toBe('550');
    expect(replyCode({ responseCode: undefined, response: undefined })).toBeUndefined();
  });

  it('treats 5yz as permanent except 503', () => {
    expect([421, 450, 451, 452, 500, 503, 550, 552, 554].map(isPermanentReply)).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
      true,
      true,
      true,
    ]);
  });
});
