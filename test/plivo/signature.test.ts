import { createHmac } from 'node:crypto';
import plivo from 'plivo';
import { describe, expect, it } from 'vitest';
import {
  computeSignatureV3,
  signatureBaseString,
  verifyPlivoCallback,
  verifySignatureV3,
} from '../../functions/lib/plivo/signature.js';

const token = 'MY_AUTH_TOKEN_1234567890';
const nonce = '05429567804466091622';

/** Plivo's published algorithm, written out longhand here so the test does not trust the code under test. */
function longhand(base: string): string {
  return createHmac('sha256', token).update(`${base}.${nonce}`).digest('base64');
}

describe('Plivo V3 signatures', () => {
  it('signs a GET over the URL with its query sorted by key', () => {
    const url = 'https://example.com/plivo/answer?b=2&a=1';
    const expected = longhand('https://example.com/plivo/answer?a=1&b=2');
    expect(computeSignatureV3({ method: 'GET', url, nonce, authToken: token })).toBe(expected);
  });

  it('signs a POST over the URL followed by the sorted body parameters as key+value', () => {
    const url = 'https://example.com/webhooks/plivo';
    const params = { response: '{"status":"fulfilled"}', api_id: 'abc', status_code: '201' };
    const base = 'https://example.com/webhooks/plivo?api_idabcresponse{"status":"fulfilled"}status_code201';
    expect(signatureBaseString('POST', url, params)).toBe(base);
    expect(computeSignatureV3({ method: 'POST', url, params, nonce, authToken: token })).toBe(longhand(base));
  });

  it('signs a POST with a query string as query, a dot, then the body parameters', () => {
    const url = 'https://example.com/hook?z=9&y=8';
    const base = 'https://example.com/hook?y=8&z=9.k1v1';
    expect(signatureBaseString('POST', url, { k1: 'v1' })).toBe(base);
  });

  it.each([
    ['GET', 'https://example.com/a/b?x=1&x=0&c=3', {}],
    ['POST', 'https://example.com/a/b', { api_id: 'id-1', response: '{"a":1}', status_code: '201' }],
    ['POST', 'https://example.com:8443/a/b?q=1', { b: '2', a: '1' }],
    ['POST', 'https://example.com/a/b', {}],
  ] as const)('agrees with the official SDK validateV3Signature for %s %s', (method, url, params) => {
    const signature = computeSignatureV3({ method, url, params, nonce, authToken: token });
    expect(plivo.validateV3Signature(method, url, nonce, token, signature, { ...params })).toBe(true);
    expect(verifySignatureV3({ method, url, params, nonce, authToken: token, signatureHeader: signature })).toBe(true);
  });

  it('accepts any one of several comma-separated signatures and rejects a wrong one', () => {
    const url = 'https://example.com/webhooks/plivo';
    const good = computeSignatureV3({ method: 'POST', url, params: { a: '1' }, nonce, authToken: token });
    const other = computeSignatureV3({ method: 'POST', url, params: { a: '1' }, nonce, authToken: 'rotated-old-token' });
    const check = (signatureHeader: string) =>
      verifySignatureV3({ method: 'POST', url, params: { a: '1' }, nonce, authToken: token, signatureHeader });
    expect(check(`${other},${good}`)).toBe(true);
    expect(check(`${other}, ${good}`)).toBe(true);
    expect(check(other)).toBe(false);
    expect(check('')).toBe(false);
    expect(check(good.slice(0, -2))).toBe(false);
    expect(verifySignatureV3({ method: 'POST', url, params: { a: '2' }, nonce, authToken: token, signatureHeader: good })).toBe(false);
    expect(verifySignatureV3({ method: 'POST', url, params: { a: '1' }, nonce: 'other', authToken: token, signatureHeader: good })).toBe(false);
  });

  it('verifies a callback by its headers, V3 with the account token or Ma-V3 with the main account token', () => {
    const url = 'https://example.com/webhooks/plivo';
    const params = { api_id: 'x' };
    const v3 = computeSignatureV3({ method: 'POST', url, params, nonce, authToken: token });
    const ma = computeSignatureV3({ method: 'POST', url, params, nonce, authToken: 'main-token' });
    const headers = { 'X-Plivo-Signature-V3': v3, 'X-Plivo-Signature-V3-Nonce': nonce };
    expect(verifyPlivoCallback({ method: 'POST', url, params, headers, authToken: token })).toBe(true);
    expect(
      verifyPlivoCallback({
        method: 'POST',
        url,
        params,
        headers: { 'x-plivo-signature-ma-v3': ma, 'x-plivo-signature-v3-nonce': nonce },
        authToken: token,
        mainAccountAuthToken: 'main-token',
      }),
    ).toBe(true);
    expect(verifyPlivoCallback({ method: 'POST', url, params, headers: { 'X-Plivo-Signature-V3': v3 }, authToken: token })).toBe(false);
    expect(verifyPlivoCallback({ method: 'POST', url: `${url}x`, params, headers, authToken: token })).toBe(false);
  });
});
