/**
 * The session dialogs Herald answered through drachtio-server. drachtio-server, not the
 * app, owns them: it picks the To tag of the 200 itself (sofia's nta_incoming_tag when the
 * INVITE arrived, whatever tag the app's response names), matches in-dialog requests
 * (answering 481 itself for dialogs it does not hold), and builds Herald's in-dialog
 * requests (From/To tags, route set, CSeq) from a dialog id. The core, like on the
 * standalone edge, knows a dialog by Call-ID and the tag it chose; this table translates
 * between the two so the core never learns which edge it runs behind.
 */
import type { Socket } from 'node:net';

export interface DrachtioDialog {
  readonly callId: string;
  /** drachtio-server's id of the dialog (`stackDialogId`), what in-dialog requests name. */
  readonly dialogId: string;
  /** The To tag drachtio-server put on the 200 (what the peer uses). */
  readonly wireTag: string | undefined;
  /** The tag the core answered with (what the core checks BYE and refreshes against). */
  readonly coreTag: string | undefined;
  /** The peer's tag (the INVITE's From tag). */
  readonly remoteTag: string | undefined;
  /** The connection to the drachtio-server that holds the dialog (outbound mode has several). */
  readonly socket: Socket;
}

/** Most dialogs remembered at once: the core caps sessions lower (session.maxSessions). */
const MAX_DIALOGS = 10_000;

export class DrachtioDialogs {
  readonly #byCallId = new Map<string, DrachtioDialog>();

  get size(): number {
    return this.#byCallId.size;
  }

  add(dialog: DrachtioDialog): void {
    if (this.#byCallId.size >= MAX_DIALOGS && !this.#byCallId.has(dialog.callId)) {
      const oldest = this.#byCallId.keys().next().value;
      if (oldest !== undefined) this.#byCallId.delete(oldest);
    }
    this.#byCallId.set(dialog.callId, dialog);
  }

  byCallId(callId: string): DrachtioDialog | undefined {
    return this.#byCallId.get(callId);
  }

  remove(callId: string): void {
    this.#byCallId.delete(callId);
  }

  /** The core's tag for a tag the peer sent in the dialog `callId` (unchanged when unknown). */
  coreTagFor(callId: string, wireTag: string | undefined): string | undefined {
    const dialog = this.#byCallId.get(callId);
    return dialog !== undefined && dialog.wireTag === wireTag ? dialog.coreTag : wireTag;
  }

  clear(): void {
    this.#byCallId.clear();
  }
}
