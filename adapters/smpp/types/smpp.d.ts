/**
 * Types for the `smpp` package (0.5.x, node-smpp by farhadi), covering only what Herald
 * uses: sessions (client and server side), PDUs and their fields, the server, and the
 * status / constant tables. Shared by adapters/smpp and the project's SMSC simulator
 * (test/sim). Values the package leaves untyped are `unknown`, never `any`.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket, ServerOpts } from 'node:net';

  namespace smpp {
    /** Command names the package knows (defs.commands). */
    type CommandName =
      | 'bind_receiver'
      | 'bind_receiver_resp'
      | 'bind_transmitter'
      | 'bind_transmitter_resp'
      | 'bind_transceiver'
      | 'bind_transceiver_resp'
      | 'submit_sm'
      | 'submit_sm_resp'
      | 'data_sm'
      | 'data_sm_resp'
      | 'deliver_sm'
      | 'deliver_sm_resp'
      | 'enquire_link'
      | 'enquire_link_resp'
      | 'unbind'
      | 'unbind_resp'
      | 'generic_nack'
      | 'query_sm'
      | 'query_sm_resp'
      | 'cancel_sm'
      | 'cancel_sm_resp'
      | 'replace_sm'
      | 'replace_sm_resp'
      | 'submit_multi'
      | 'submit_multi_resp'
      | 'outbind'
      | 'alert_notification'
      | 'broadcast_sm'
      | 'broadcast_sm_resp'
      | 'cancel_broadcast_sm'
      | 'cancel_broadcast_sm_resp'
      | 'query_broadcast_sm'
      | 'query_broadcast_sm_resp';

    /**
     * short_message / message_payload as the package decodes them on receipt: the UDH
     * split into its information elements (each IE with its id and length octets) and
     * the text decoded per data_coding (a Buffer when the coding is not a text one).
     */
    interface DecodedMessage {
      udh?: Buffer[];
      message: string | Buffer;
    }

    /**
     * What may be given to send: raw octets (sent as they are; Herald's choice), a
     * string the package encodes itself, or text with a raw UDH to prepend.
     */
    type MessageInput = Buffer | string | { udh?: Buffer; message: string | Buffer };

    /** PDU mandatory parameters and the TLVs Herald reads or writes, by package name. */
    interface PduFields {
      command_status?: number;
      sequence_number?: number;
      // bind_*
      system_id?: string;
      password?: string;
      system_type?: string;
      interface_version?: number;
      addr_ton?: number;
      addr_npi?: number;
      address_range?: string;
      // submit_sm, deliver_sm, data_sm
      service_type?: string;
      source_addr_ton?: number;
      source_addr_npi?: number;
      source_addr?: string;
      dest_addr_ton?: number;
      dest_addr_npi?: number;
      destination_addr?: string;
      esm_class?: number;
      protocol_id?: number;
      priority_flag?: number;
      schedule_delivery_time?: string | Date;
      validity_period?: string | Date;
      registered_delivery?: number;
      replace_if_present_flag?: number;
      /** null asks the package to pick one from a string short_message. */
      data_coding?: number | null;
      sm_default_msg_id?: number;
      short_message?: MessageInput | DecodedMessage;
      // *_resp, query_sm
      message_id?: string;
      // query_sm_resp (SMPP 3.4 §4.8.2)
      final_date?: string | Date;
      error_code?: number;
      // TLVs
      receipted_message_id?: string;
      message_state?: number;
      /** 3 octets: network type, then a 16-bit error code. */
      network_error_code?: Buffer;
      message_payload?: MessageInput | DecodedMessage;
      sar_msg_ref_num?: number;
      sar_total_segments?: number;
      sar_segment_seqnum?: number;
      user_message_reference?: number;
      source_port?: number;
      dest_port?: number;
    }

    interface PDU extends PduFields {}
    class PDU {
      constructor(command: CommandName, options?: PduFields);
      constructor(buffer: Buffer);
      /** 'unknown' when command_id is not in the package's table. */
      command: CommandName | 'unknown';
      command_id: number;
      command_length: number;
      command_status: number;
      sequence_number: number;
      isResponse(): boolean;
      /** The matching *_resp (generic_nack for an unknown command), same sequence_number. */
      response(options?: PduFields): PDU;
      toBuffer(): Buffer;
      static fromBuffer(buffer: Buffer): PDU | false;
      /** Largest command_length accepted on read (16 KiB by default). */
      static maxLength: number;
    }

    type ResponseCallback = (pdu: PDU) => void;
    type SendCallback = (pdu: PDU) => void;
    type CommandShortcut = (options?: PduFields, responseCallback?: ResponseCallback, sendCallback?: SendCallback) => boolean;

    interface SessionOptions {
      host?: string;
      port?: number;
      tls?: boolean;
      socket?: Socket;
      /** Sends enquire_link on this period (ms) once connected. */
      auto_enquire_link_period?: number;
      [option: string]: unknown;
    }

    class Session extends EventEmitter {
      constructor(options: SessionOptions);
      readonly socket: Socket;
      /** Set on server-side sessions. */
      server?: Server;
      options: SessionOptions;
      /** false when the socket is not writable. */
      send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: SendCallback): boolean;
      pause(): void;
      resume(): void;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      connect(): void;

      on(event: 'error', listener: (error: Error) => void): this;
      on(event: 'close' | 'connect' | 'secureConnect', listener: () => void): this;
      on(event: 'pdu' | 'send' | CommandName | 'unknown', listener: (pdu: PDU) => void): this;
      once(event: 'error', listener: (error: Error) => void): this;
      once(event: 'close' | 'connect' | 'secureConnect', listener: () => void): this;
      once(event: 'pdu' | 'send' | CommandName | 'unknown', listener: (pdu: PDU) => void): this;

      bind_receiver: CommandShortcut;
      bind_transmitter: CommandShortcut;
      bind_transceiver: CommandShortcut;
      submit_sm: CommandShortcut;
      data_sm: CommandShortcut;
      deliver_sm: CommandShortcut;
      enquire_link: CommandShortcut;
      unbind: CommandShortcut;
      query_sm: CommandShortcut;
      generic_nack: CommandShortcut;
    }

    interface ServerOptions extends ServerOpts {
      key?: string | Buffer;
      cert?: string | Buffer;
    }

    class Server extends NetServer {
      sessions: Session[];
      on(event: 'session', listener: (session: Session) => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
      on(event: 'close' | 'listening', listener: () => void): this;
    }

    function createServer(options?: ServerOptions, listener?: (session: Session) => void): Server;
    function createServer(listener: (session: Session) => void): Server;

    function connect(options: SessionOptions & { url?: string }, listener?: () => void): Session;
    function connect(url: string, listener?: () => void): Session;

    /** command_status values by name (ESME_ROK, ESME_RTHROTTLED, …). */
    const errors: Readonly<Record<string, number>>;

    const ESME_ROK: number;
    const ESME_RINVMSGLEN: number;
    const ESME_RINVCMDID: number;
    const ESME_RINVBNDSTS: number;
    const ESME_RALYBND: number;
    const ESME_RSYSERR: number;
    const ESME_RBINDFAIL: number;
    const ESME_RINVPASWD: number;
    const ESME_RINVSYSID: number;
    const ESME_RMSGQFUL: number;
    const ESME_RTHROTTLED: number;
    const ESME_RSUBMITFAIL: number;

    const consts: {
      readonly REGISTERED_DELIVERY: Readonly<Record<string, number>>;
      readonly ESM_CLASS: Readonly<Record<string, number>>;
      readonly MESSAGE_STATE: Readonly<Record<string, number>>;
      readonly TON: Readonly<Record<string, number>>;
      readonly NPI: Readonly<Record<string, number>>;
      readonly ENCODING: Readonly<Record<string, number>>;
    };
  }

  export = smpp;
}
