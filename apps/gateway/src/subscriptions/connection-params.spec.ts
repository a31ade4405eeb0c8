import { credentialsOf } from './connection-params';

describe('credentialsOf', () => {
  it('reads the HTTP header names and their camel-case forms', () => {
    expect(credentialsOf({ authorization: 'Bearer t' })).toEqual({ authorization: 'Bearer t', apiKey: null });
    expect(credentialsOf({ Authorization: 'Bearer t' })).toEqual({ authorization: 'Bearer t', apiKey: null });
    expect(credentialsOf({ 'x-api-key': 'k' })).toEqual({ authorization: null, apiKey: 'k' });
    expect(credentialsOf({ apiKey: 'k' })).toEqual({ authorization: null, apiKey: 'k' });
  });

  it('ignores anything that is not a non-empty string', () => {
    expect(credentialsOf(undefined)).toEqual({ authorization: null, apiKey: null });
    expect(credentialsOf({ authorization: '', apiKey: 42 })).toEqual({ authorization: null, apiKey: null });
  });
});
