/**
 * Hand-written SIP MESSAGE bodies for e2e tests: written out line by line (not through the
 * project's codecs) so the tests check the codecs against text as a client would send it.
 */

/** An RFC 5365 recipient-list body: resource-lists with copyControl, then the message part. */
export function recipientList(
  entries: readonly (readonly [string, string])[],
  message: string,
  boundary = 'herald-boundary-42',
): { body: string; contentType: string } {
  const list = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists" xmlns:cp="urn:ietf:params:xml:ns:copycontrol">',
    '  <list>',
    ...entries.map(([uri, cc]) => `    <entry uri="${uri}" cp:copyControl="${cc}"/>`),
    '  </list>',
    '</resource-lists>',
  ].join('\r\n');
  const body = [
    `--${boundary}`,
    'Content-Type: application/resource-lists+xml',
    'Content-Disposition: recipient-list',
    '',
    list,
    `--${boundary}`,
    'Content-Type: message/cpim',
    '',
    message,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { body, contentType: `multipart/mixed;boundary="${boundary}"` };
}
