import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import type { SealedJsonV1 } from '@rapport/contracts';

/**
 * Export answers travel through the streams, which keep messages: each is
 * sealed to a key pair made for its request, whose private half only the
 * coordinator holds and forgets once the archive is built. Hybrid
 * encryption because RSA alone cannot carry more than a few hundred bytes.
 */
export function newSealingKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };

export function sealJson(publicKey: string, value: unknown): SealedJsonV1 {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    key: publicEncrypt({ key: publicKey, ...OAEP }, key).toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

export function openSealed(privateKey: string, sealed: SealedJsonV1): unknown {
  const key = privateDecrypt({ key: privateKey, ...OAEP }, Buffer.from(sealed.key, 'base64'));
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as unknown;
}
