import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { parseHeaderSection } from '../../../src/codecs/mime.js';
import {
  detectAutoReply,
  htmlToText,
  parseEmailReply,
  stripQuotedText,
  unflow,
} from '../../../src/codecs/email-reply.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'mail');
const fixture = (path: string): Buffer => readFileSync(join(FIXTURES, path));

describe('parseEmailReply', () => {
  describe('when given a Gmail reply with text and HTML alternatives', () => {
    const reply = parseEmailReply(fixture('good/gmail-reply-alternative.eml'));

    it('takes the text/plain part and cuts at the two-line "On … wrote:" attribution', () => {
      expect(reply.bodySource).toBe('text/plain');
      expect(reply.text).toBe('Sure, 12:30 works for me — see you at the café.');
    });

    it('returns the threading and routing headers', () => {
      expect(reply.inReplyTo).toBe('<01JEAB12.conv@herald.test>');
      expect(reply.references).toEqual(['<01JEA000.first@herald.test>', '<01JEAB12.conv@herald.test>']);
      expect(reply.deliveredTo).toEqual(['replies+c0ffee42@herald.test']);
      expect(reply.recipients).toEqual(['Alice via Herald <replies+c0ffee42@herald.test>']);
      expect(reply.autoReply).toBeUndefined();
    });
  });

  describe('when given a Gmail reply with HTML only', () => {
    it('strips tags, entities and the gmail_quote container', () => {
      const reply = parseEmailReply(fixture('good/gmail-reply-html-only.eml'));
      expect(reply.bodySource).toBe('text/html');
      expect(reply.text).toBe('Sure & thanks!\nBring the slides.');
    });
  });

  describe('when given an Outlook reply with "-----Original Message-----"', () => {
    it('cuts at the separator and decodes the latin1 quoted-printable body', () => {
      const reply = parseEmailReply(fixture('good/outlook-reply-original-message.eml'));
      expect(reply.text).toBe('Numbers attached next week. Grüße');
    });
  });

  describe('when given an Outlook HTML reply with divRplyFwdMsg', () => {
    it('cuts at the reply marker', () => {
      expect(parseEmailReply(fixture('good/outlook-html-divrplyfwdmsg.eml')).text).toBe('OK, will do.');
    });
  });

  describe('when given a Thunderbird format=flowed reply in German with a signature', () => {
    it('joins flowed lines and cuts at "Am … schrieb …:"', () => {
      expect(parseEmailReply(fixture('good/thunderbird-reply-flowed-german.eml')).text).toBe(
        'Ja, Dienstag passt mir gut. Ich bringe die Unterlagen mit, damit wir alles durchgehen können.',
      );
    });
  });

  describe('when given an Apple Mail reply with interleaved answers', () => {
    it('keeps the answers, drops the quoted questions and "Sent from my iPhone"', () => {
      expect(parseEmailReply(fixture('good/apple-mail-reply-inline-answers.eml')).text).toBe(
        'Yes.\n\nProbably not, he is away.',
      );
    });
  });

  describe('when given an Apple Mail HTML reply with nested blockquotes', () => {
    it('drops every blockquote and decodes numeric entities', () => {
      expect(parseEmailReply(fixture('good/apple-mail-reply-html-blockquote.eml')).text).toBe('See you there 👊');
    });
  });

  describe('when given a latin1 quoted-printable reply with a "-- " signature', () => {
    it('cuts at the delimiter and trims trailing whitespace', () => {
      const reply = parseEmailReply(fixture('good/latin1-qp-signature.eml'));
      expect(reply.text).toBe("D'accord, à demain.\nTrès bien.");
      expect(reply.from).toBe('René <rene@example.test>');
      expect(reply.subject).toBe('Réponse');
    });
  });

  describe('when given a vacation auto-reply', () => {
    it('flags it as auto-submitted', () => {
      expect(parseEmailReply(fixture('good/vacation-auto-reply.eml')).autoReply).toBe('auto-submitted');
    });
  });

  describe('when given a DSN in the replies mailbox', () => {
    it('flags it as automatic', () => {
      const dsn = readFileSync(join(FIXTURES, '..', 'dsn', 'good', 'postfix-failed-5.1.1.eml'));
      expect(parseEmailReply(dsn).autoReply).toBe('auto-submitted');
    });
  });

  describe('when the message has no text part', () => {
    it('returns empty text from no source', () => {
      const raw = Buffer.from('From: a@b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0K\n');
      expect(parseEmailReply(raw)).toMatchObject({ text: '', bodySource: 'none' });
    });
  });

  describe('when given arbitrary bytes', () => {
    it('returns a reply or throws GW_ERR_MIME_MALFORMED, nothing else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
          try {
            parseEmailReply(bytes);
          } catch (err) {
            return isHeraldError(err, 'GW_ERR_MIME_MALFORMED');
          }
          return true;
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('detectAutoReply', () => {
  describe('when a marker of automatic mail is present', () => {
    const cases: Array<[string, string | undefined]> = [
      ['Auto-Submitted: auto-replied', 'auto-submitted'],
      ['Auto-Submitted: auto-generated; owner-email="x@y"', 'auto-submitted'],
      ['Auto-Submitted: no', undefined],
      ['Auto-Submitted: No (a person wrote this)', undefined],
      ['X-Autoreply: yes', 'x-autoreply'],
      ['X-Autorespond: vacation', 'x-autoreply'],
      ['Precedence: bulk', 'precedence'],
      ['Precedence: junk', 'precedence'],
      ['Precedence: auto_reply', 'precedence'],
      // A list copy of a reply also reaches Herald directly (reply-all): the list copy is noise.
      ['Precedence: list', 'precedence'],
      ['X-Apple-Action: VACATION', 'apple-vacation'],
      ['X-Auto-Response-Suppress: All', 'auto-response-suppress'],
      ['X-Auto-Response-Suppress: None', undefined],
      ['List-Id: <team.lists.example.test>', 'mailing-list'],
      ['From: MAILER-DAEMON@mx.example.test', 'daemon-sender'],
      ['From: "Mail Delivery System" <postmaster@example.test>', 'daemon-sender'],
      ['From: Alice <alice@example.test>', undefined],
      ['Subject: Automatic reply: Lunch', 'subject'],
      ['Subject: Undeliverable: Lunch', 'subject'],
      ['Subject: =?UTF-8?Q?R=C3=A9ponse_automatique_:_Lunch?=', 'subject'],
      ['Subject: Abwesenheitsnotiz: Lunch', 'subject'],
      // wp.pl's bracketed form, and a word outside ASCII (no \b at its edge).
      ['Subject: =?UTF-8?Q?[Automatyczna_odpowied=C5=BA]_Re:_Lunch?=', 'subject'],
      ['Subject: =?UTF-8?B?6Ieq5YuV5b+c562U?=: Lunch', 'subject'],
      ['Subject: Re: Automatic replies are annoying', undefined],
      ['Return-Path: <>', 'null-return-path'],
      ['Return-Path: < >', 'null-return-path'],
      ['Return-Path: <bob@example.test>', undefined],
      ['Content-Type: multipart/report; report-type=delivery-status; boundary=x', 'report'],
    ];
    for (const [header, reason] of cases) {
      it(`classifies "${header}" as ${String(reason)}`, () => {
        expect(detectAutoReply(parseHeaderSection(header.startsWith('From:') ? `${header}\n` : `From: a@b\n${header}\n`))).toBe(reason);
      });
    }
  });
});

describe('stripQuotedText', () => {
  describe('when the attribution is in another language or client style', () => {
    const cases: Array<[string, string]> = [
      ['Oui.\n\nLe jeu. 5 déc. 2024 à 10:00, Alice <a@b> a écrit :\n> Question ?', 'Oui.'],
      ['Sí.\n\nEl jue, 5 dic 2024 a las 10:00, Alice (<a@b>) escribió:\n> ¿Pregunta?', 'Sí.'],
      ['Sì.\n\nIl giorno gio 5 dic 2024 alle ore 10:00 Alice <a@b> ha scritto:\n> Domanda?', 'Sì.'],
      ['Ja.\n\nOp do 5 dec. 2024 om 10:00 schreef Alice <a@b>:\n> Vraag?', 'Ja.'],
      ['Sim.\n\nEm qui., 5 de dez. de 2024 às 10:00, Alice <a@b> escreveu:\n> Pergunta?', 'Sim.'],
      ['Tak.\n\nAlice <a@b> napisał(a):\n> Pytanie?', 'Tak.'],
      ['Да.\n\n5 дек. 2024 г., в 10:00, Alice <a@b> пишет:\n> Вопрос?', 'Да.'],
      ['Yes.\n\nOn 05/12/2024 10:00, Alice wrote:\n> Question?', 'Yes.'],
      ['Yes.\n\n-----Ursprüngliche Nachricht-----\nVon: Alice', 'Yes.'],
      ['Yes.\n\n________________________________\nFrom: Alice <a@b>\nSent: Thursday\nTo: Bob\nSubject: Q', 'Yes.'],
      ['Yes.\n\nFrom: Alice <a@b>\nSent: Thursday, December 5, 2024 10:00\nTo: Bob\nSubject: Q\n\nQ?', 'Yes.'],
      ['Yes.\n\nBegin forwarded message:\n\nFrom: Alice', 'Yes.'],
    ];
    for (const [input, output] of cases) {
      it(`reduces ${JSON.stringify(input.split('\n')[2] ?? input)} to the answer`, () => {
        expect(stripQuotedText(input)).toBe(output);
      });
    }
  });

  describe('when "wrote:" ends a line of prose that no quote follows', () => {
    it('keeps the text', () => {
      expect(stripQuotedText('This is what she wrote:\nsomething else')).toBe('This is what she wrote:\nsomething else');
    });
  });

  describe('when there are CRLFs, trailing blanks and runs of blank lines', () => {
    it('normalises them', () => {
      expect(stripQuotedText('\r\n\r\nHello  \r\n\r\n\r\n\r\nWorld\t\r\n\r\n')).toBe('Hello\n\nWorld');
    });
  });

  describe('for any text', () => {
    it('never leaves a quoted line, trailing whitespace or surrounding blank lines', () => {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('> q', '', '  ', '-- ', 'On x wrote:')), {
            maxLength: 30,
          }),
          (lines) => {
            const out = stripQuotedText(lines.join('\n'));
            const outLines = out.split('\n');
            return (
              outLines.every((l) => !/^\s*>/.test(l) && !/[ \t]$/.test(l)) &&
              (out === '' || (outLines[0] !== '' && outLines[outLines.length - 1] !== ''))
            );
          },
        ),
      );
    });
  });
});

describe('unflow', () => {
  describe('when lines are flowed, space-stuffed or quoted (RFC 3676)', () => {
    it('joins soft breaks per quote depth and keeps the signature delimiter', () => {
      expect(unflow('Hello \nworld\n From here\n> a \n> b\n-- \nsig')).toBe('Hello world\nFrom here\n> a b\n-- \nsig');
      expect(unflow('Hel \nlo', true)).toBe('Hello');
    });
  });
});

describe('htmlToText', () => {
  describe('when the HTML has head, scripts, comments and block elements', () => {
    it('keeps only the visible text with line breaks for blocks', () => {
      expect(
        htmlToText('<html><head><title>t</title><style>x{}</style></head><body><!-- c --><p>a&lt;b</p><script>evil()</script><div>c&#x41;</div></body></html>').trim(),
      ).toBe('a<b\n\ncA');
    });
  });

  describe('when tags are broken or unterminated', () => {
    it('keeps a literal "<" of prose and drops an unterminated element or tag', () => {
      expect(htmlToText('1 < 2 <b>ok</b>')).toBe('1 < 2 ok');
      expect(htmlToText('kept<style>never closed')).toBe('kept');
      expect(htmlToText('kept<!-- never closed')).toBe('kept');
      expect(htmlToText('kept<a href="x"')).toBe('kept');
    });
  });
});
