// `tessera users|roles|keys|policies|sessions ...`: IAM administration on the data folder (works while the
// server runs; it sees each change on its next request). Results are JSON on stdout, refusals one line on stderr.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { IamAdministrationError, type IamAdministration, type PrincipalRef } from '../iam/index.js';
import { parseCommandLine } from './command-line.js';

export const IAM_COMMANDS = ['users', 'roles', 'keys', 'policies', 'sessions'] as const;

export const IAM_USAGE = `       tessera users create <name> | list | delete <name>
       tessera roles create <name> | list | delete <name>
       tessera keys create <user> | rotate <user> [<access-key-id>] | revoke <access-key-id>
       tessera policies attach <user|role/name> --managed <AWSHealthImagingReadOnlyAccess|AWSHealthImagingFullAccess>
       tessera policies attach <user|role/name> --file <policy.json> [--name <policy-name>]
       tessera policies detach <user|role/name> --managed <name> | --name <policy-name>
       tessera sessions create <user> [--duration <seconds, 900-43200>]
       (each takes [--data-dir DIR], default $TESSERA_DATA_DIR or ./data)`;

export interface IamCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export type OpenAdministration = (dataDir: string) => Promise<{ readonly administration: IamAdministration; close(): void }>;

export async function runIamCommand(command: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, open: OpenAdministration, io: IamCommandIo): Promise<number> {
  const { args, flags } = parseCommandLine(argv);
  const known = new Set(['data-dir', 'managed', 'file', 'name', 'duration']);
  const unknown = [...flags.keys()].find((flag) => !known.has(flag));
  if (unknown !== undefined) return usage(io, `unknown flag --${unknown}`);
  const [action, ...operands] = args;
  const dataDir = flags.get('data-dir') ?? env.TESSERA_DATA_DIR ?? './data';
  const { administration, close } = await open(dataDir);
  try {
    const result = await dispatch(administration, command, action, operands, flags);
    if (result === 'usage') return usage(io, `${command} ${action ?? ''}: wrong arguments`);
    if (result !== undefined) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof IamAdministrationError) {
      io.stderr(`tessera ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    close();
  }
}

async function dispatch(admin: IamAdministration, command: string, action: string | undefined, operands: readonly string[], flags: ReadonlyMap<string, string>): Promise<object | undefined | 'usage'> {
  const one = operands.length === 1 ? operands[0]! : undefined;
  switch (`${command} ${action}`) {
    case 'users create': return one === undefined ? 'usage' : admin.createUser(one);
    case 'users list': return operands.length === 0 ? admin.list('user') : 'usage';
    case 'users delete': return one === undefined ? 'usage' : admin.deletePrincipal({ kind: 'user', name: one }).then(() => ({ deleted: one }));
    case 'roles create': return one === undefined ? 'usage' : admin.createRole(one);
    case 'roles list': return operands.length === 0 ? admin.list('role') : 'usage';
    case 'roles delete': return one === undefined ? 'usage' : admin.deletePrincipal({ kind: 'role', name: one }).then(() => ({ deleted: one }));
    case 'keys create': return one === undefined ? 'usage' : admin.createAccessKey(one);
    case 'keys rotate': return operands.length < 1 || operands.length > 2 ? 'usage' : admin.rotateAccessKey(operands[0]!, operands[1]);
    case 'keys revoke': return one === undefined ? 'usage' : admin.revokeAccessKey(one).then(() => ({ revoked: one }));
    case 'sessions create': {
      if (one === undefined) return 'usage';
      const duration = flags.get('duration');
      if (duration !== undefined && !/^\d+$/.test(duration)) throw new IamAdministrationError('--duration is a number of seconds');
      return admin.createSession(one, duration === undefined ? undefined : Number(duration));
    }
    case 'policies attach': {
      if (one === undefined) return 'usage';
      const ref = principalRef(one);
      const managed = flags.get('managed');
      const file = flags.get('file');
      if ((managed === undefined) === (file === undefined)) return 'usage';
      if (managed !== undefined) {
        await admin.attachManagedPolicy(ref, managed);
        return { attached: managed, to: admin.arnOf(ref) };
      }
      const text = await readFile(file!, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new IamAdministrationError(`cannot read ${file}: ${error.code ?? error.message}`);
      });
      const name = flags.get('name') ?? basename(file!).replace(/\.json$/i, '');
      await admin.attachPolicyDocument(ref, name, text);
      return { attached: name, to: admin.arnOf(ref) };
    }
    case 'policies detach': {
      const name = flags.get('managed') ?? flags.get('name');
      if (one === undefined || name === undefined) return 'usage';
      await admin.detachPolicy(principalRef(one), name);
      return { detached: name, from: one };
    }
    default:
      return 'usage';
  }
}

/** `alice` is a user, `role/DicomWebReader` a role. */
function principalRef(text: string): PrincipalRef {
  return text.startsWith('role/') ? { kind: 'role', name: text.slice('role/'.length) } : { kind: 'user', name: text };
}

function usage(io: IamCommandIo, message: string): number {
  io.stderr(`tessera: ${message}\nUsage:\n${IAM_USAGE}\n`);
  return 2;
}
