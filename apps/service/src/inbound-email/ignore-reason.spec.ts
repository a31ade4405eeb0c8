import { ignoreReason } from './ignore-reason';
import type { InboundMessage } from './inbound-message';

const own = { inboundDomain: 'support.example.com', messageIdDomain: 'example.com' };

function message(headers: Record<string, string> = {}, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    messageId: 'abc@customer.example',
    from: { address: 'ada@customer.example', name: 'Ada' },
    recipients: ['acme@support.example.com'],
    returnPath: 'ada@customer.example',
    subject: 'Kettle broken',
    text: 'It leaks.',
    headers,
    attachments: [],
    ...overrides,
  };
}

describe('ignoreReason', () => {
  it('lets a person writing through', () => {
    expect(ignoreReason(message({ 'auto-submitted': 'no', precedence: 'first-class' }), own)).toBeNull();
  });

  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'Auto-Submitted: auto-replied'],
    [{ 'auto-submitted': 'Auto-Generated' }, 'Auto-Submitted: auto-generated'],
    [{ 'x-auto-response-suppress': 'All' }, 'X-Auto-Response-Suppress: All'],
    [{ precedence: 'bulk' }, 'Precedence: bulk'],
    [{ precedence: 'auto_reply' }, 'Precedence: auto_reply'],
    [{ precedence: 'junk' }, 'Precedence: junk'],
    [{ 'x-autoreply': 'yes' }, 'X-Autoreply'],
    [{ 'return-path': '<>' }, 'null return path (a bounce or delivery report)'],
    [{ 'content-type': 'multipart/report; report-type=delivery-status' }, 'delivery or disposition report (multipart/report)'],
    [{ 'x-rapport-message-id': '0190' }, 'sent by Rapport itself (mail loop)'],
  ])('ignores %j', (headers, reason) => {
    expect(ignoreReason(message(headers), own)).toBe(reason);
  });

  it('ignores the null envelope sender of a bounce', () => {
    expect(ignoreReason(message({}, { returnPath: '' }), own)).toBe('null return path (a bounce or delivery report)');
  });

  it('ignores its own Message-ID and mail from the support domain', () => {
    expect(ignoreReason(message({}, { messageId: '0190f5a4@EXAMPLE.com' }), own)).toBe('Message-ID of our own domain (mail loop)');
    expect(ignoreReason(message({}, { from: { address: 'other+x@support.example.com', name: null } }), own)).toBe(
      'sent from the support domain (mail loop)',
    );
  });

  it('ignores a message without a sender', () => {
    expect(ignoreReason(message({}, { from: null }), own)).toBe('no sender address');
  });
});
