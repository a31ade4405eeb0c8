import { surveyEmail } from './survey-email';

describe('surveyEmail', () => {
  const base = {
    messageId: '01a24c7e-add4-76b2-a7f8-427eddb170d2',
    to: 'ada@example.com',
    linkFor: (r: number) => `https://crm.test/s/rate/t.s?rating=${r}`,
  };

  it('has one link per rating in text and HTML, escaped, and marks itself automatic', () => {
    const mail = surveyEmail({ ...base, subject: 'Kettle <leaks> & "drips"' });
    expect(mail.subject).toBe('How did we do? Kettle <leaks> & "drips"');
    for (const r of [1, 2, 3, 4, 5]) {
      expect(mail.text).toContain(`https://crm.test/s/rate/t.s?rating=${r}`);
      expect(mail.html).toContain(`href="https://crm.test/s/rate/t.s?rating=${r}"`);
    }
    expect(mail.html).toContain('Kettle &#60;leaks&#62; &#38; &#34;drips&#34;');
    expect(mail.headers).toEqual({ 'Auto-Submitted': 'auto-generated' });
  });

  it('keeps a case’s email thread with its reply address, and a subject on one line', () => {
    const mail = surveyEmail({ ...base, subject: 'two\r\nlines', replyTo: 'acme+abc@support.test' });
    expect(mail.headers?.['Reply-To']).toBe('acme+abc@support.test');
    expect(mail.subject).toBe('How did we do? two lines');
  });
});
