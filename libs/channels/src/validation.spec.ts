import { deviceTokenProblem, emailAddressProblem, phoneNumberProblem } from './validation';

describe('recipient checks', () => {
  it('accepts ordinary email addresses and refuses what cannot be one', () => {
    for (const ok of ['ada@example.com', 'ada.lovelace+news@mail.example.co.uk', "o'brien@example.ie", 'ü@exämple.de']) {
      expect(emailAddressProblem(ok)).toBeNull();
    }
    for (const bad of [
      '',
      'ada',
      'ada@',
      '@example.com',
      'ada@example',
      'ada@example.',
      'a b@example.com',
      'Ada <ada@example.com>',
      'a@x.com,b@y.com',
    ]) {
      expect(emailAddressProblem(bad)).not.toBeNull();
    }
    expect(emailAddressProblem(`${'a'.repeat(250)}@example.com`)).toMatch(/longer than 254/);
  });

  it('wants phone numbers in E.164', () => {
    expect(phoneNumberProblem('+4915112345678')).toBeNull();
    expect(phoneNumberProblem('+12025550143')).toBeNull();
    for (const bad of ['', '015112345678', '+49 151 12345678', '+0151123456', '+1234', '+1234567890123456']) {
      expect(phoneNumberProblem(bad)).toMatch(/phone number/);
    }
  });

  it('takes any one-line device token', () => {
    expect(deviceTokenProblem('fcm:APA91bH-x_y')).toBeNull();
    expect(deviceTokenProblem('')).toBe('no device token');
    expect(deviceTokenProblem('a b')).toMatch(/not a device token/);
  });
});
