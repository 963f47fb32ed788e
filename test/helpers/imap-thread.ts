/**
 * Threads the selected mailbox the way a mail client asks the server to: `UID THREAD
 * REFERENCES UTF-8 ALL` (RFC 5256, Dovecot's own implementation), through imapflow.
 * imapflow has no THREAD method; its generic command runner (`exec`, internal to the
 * library but the one every command of it goes through) sends the command and hands the
 * untagged THREAD response, already parsed into nested lists, to a handler.
 */
import type { ImapFlow } from 'imapflow';

/** One thread node: `uid` undefined is a dummy (a parent no message in the mailbox carries). */
export interface ThreadNode {
  readonly uid: number | undefined;
  readonly children: readonly ThreadNode[];
}

interface Atom {
  readonly type: string;
  readonly value: string;
}
type ThreadList = readonly (Atom | ThreadList)[];

/** imapflow's runner resolves with `next`, which the caller must call to let the next queued command go. */
type Exec = (
  command: string,
  attributes: readonly Atom[],
  options: { untagged: Record<string, (untagged: { attributes?: ThreadList }) => Promise<void>> },
) => Promise<{ next: () => void }>;

/**
 * RFC 5256 §4: `(3 6 (4 23)(44 7 96))` is 3 → 6 → {4 → 23, 44 → 7 → 96}; a list that
 * starts with a list has a dummy parent.
 */
function parseThread(list: ThreadList): ThreadNode {
  const atoms: number[] = [];
  let i = 0;
  for (; i < list.length; i++) {
    const item = list[i];
    if (item === undefined || Array.isArray(item)) break;
    atoms.push(Number((item as Atom).value));
  }
  const subtrees = list.slice(i).filter((item): item is ThreadList => Array.isArray(item)).map(parseThread);
  if (atoms.length === 0) return { uid: undefined, children: subtrees };
  let node: ThreadNode = { uid: atoms[atoms.length - 1], children: subtrees };
  for (let j = atoms.length - 2; j >= 0; j--) node = { uid: atoms[j], children: [node] };
  return node;
}

/** The threads of the selected mailbox, by UID, as the server builds them. */
export async function threadReferences(client: ImapFlow): Promise<ThreadNode[]> {
  if (client.capabilities.get('THREAD=REFERENCES') === undefined) throw new Error('server does not offer THREAD=REFERENCES');
  const exec = (client as unknown as { exec: Exec }).exec.bind(client);
  let threads: ThreadNode[] = [];
  const response = await exec('UID THREAD', [{ type: 'ATOM', value: 'REFERENCES' }, { type: 'ATOM', value: 'UTF-8' }, { type: 'ATOM', value: 'ALL' }], {
    untagged: {
      THREAD: async (untagged) => {
        threads = (untagged.attributes ?? []).filter((item): item is ThreadList => Array.isArray(item)).map(parseThread);
      },
    },
  });
  response.next();
  return threads;
}

/** Every node of a thread, depth first. */
export function threadNodes(node: ThreadNode): ThreadNode[] {
  return [node, ...node.children.flatMap(threadNodes)];
}
