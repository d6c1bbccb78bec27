/**
 * A real pseudo-terminal for integration tests. Node has no pty module, so a small Python
 * program (its `os.openpty`) owns the pty and speaks JSON lines with this class over pipes:
 * requests go to its stdin, and it reports everything the program under test writes to the
 * terminal, its exit, and replies. The child is a session leader with the pty as its
 * controlling terminal, so a resize reaches it as SIGWINCH from the kernel, as in a terminal
 * emulator. The Python side keeps the slave open, so `stty -g` can read the terminal's mode
 * after the child has exited.
 *
 * Every wait is bounded: each call takes a timeout, and the Python side kills the child's
 * process group and exits when this side goes away or its own lifetime runs out.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const DRIVER = String.raw`
import base64, fcntl, json, os, select, signal, struct, subprocess, sys, termios, time

LIFETIME = float(sys.argv[1])
deadline = time.monotonic() + LIFETIME
master = slave = None
child = None
exited = False

def emit(obj):
    os.write(1, (json.dumps(obj) + '\n').encode())

def set_size(rows, cols):
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

def stty(args=('-g',)):
    return subprocess.run(['stty', *args], stdin=slave, capture_output=True, text=True).stdout.strip()

def read_master():
    try:
        data = os.read(master, 65536)
    except OSError:
        return False
    if data:
        emit({'ev': 'out', 'data': base64.b64encode(data).decode()})
    return bool(data)

def controlling_tty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)

def kill_child():
    if child is not None and child.poll() is None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()

def handle(req):
    global master, slave, child
    op = req['op']
    if op == 'spawn':
        master, slave = os.openpty()
        set_size(req['rows'], req['cols'])
        before = stty()
        env = dict(os.environ)
        env.update(req.get('env', {}))
        child = subprocess.Popen(req['argv'], stdin=slave, stdout=slave, stderr=slave, env=env,
                                 start_new_session=True, preexec_fn=controlling_tty)
        return {'pid': child.pid, 'stty': before}
    if op == 'write':
        os.write(master, base64.b64decode(req['data']))
        return {}
    if op == 'resize':
        set_size(req['rows'], req['cols'])
        return {}
    if op == 'stty':
        return {'stty': stty(req['args'])}
    if op == 'kill':
        kill_child()
        return {}
    raise ValueError('unknown op ' + op)

pending = b''
while time.monotonic() < deadline:
    fds = [0] + ([master] if master is not None else [])
    ready, _, _ = select.select(fds, [], [], 0.05)
    if master is not None and master in ready:
        read_master()
    if 0 in ready:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        pending += chunk
        while b'\n' in pending:
            line, pending = pending.split(b'\n', 1)
            req = json.loads(line)
            try:
                emit({'ev': 'reply', 'id': req['id'], **handle(req)})
            except Exception as e:
                emit({'ev': 'reply', 'id': req['id'], 'error': repr(e)})
    if child is not None and not exited and child.poll() is not None:
        exited = True
        # What the child wrote before exiting is still in the pty: deliver it first.
        while select.select([master], [], [], 0.05)[0] and read_master():
            pass
        emit({'ev': 'exit', 'code': child.returncode})
kill_child()
`;

/** How long a driver may live at most, whatever the test does. */
const DRIVER_LIFETIME_S = 120;

interface Reply {
  readonly id: number;
  readonly error?: string;
  readonly [key: string]: unknown;
}

/** One program running with a fresh pty as its controlling terminal. */
export class Pty {
  readonly #proc: ChildProcessWithoutNullStreams;
  #output = Buffer.alloc(0);
  #cursor = 0;
  #exitCode: number | undefined;
  #nextId = 0;
  readonly #replies = new Map<number, (r: Reply) => void>();
  #waiters: (() => void)[] = [];
  #driverGone = false;
  /** The terminal's `stty -g` before the program started. */
  sttyBefore = '';

  private constructor() {
    this.#proc = spawn('python3', ['-c', DRIVER, String(DRIVER_LIFETIME_S)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.#proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.#proc.on('exit', () => {
      this.#driverGone = true;
      for (const [, r] of this.#replies) r({ id: -1, error: `pty driver exited: ${stderr}` });
      this.#replies.clear();
      this.#wake();
    });
    createInterface({ input: this.#proc.stdout }).on('line', (line) => {
      const ev = JSON.parse(line) as { ev: string; data?: string; code?: number } & Reply;
      if (ev.ev === 'out') {
        this.#output = Buffer.concat([this.#output, Buffer.from(ev.data ?? '', 'base64')]);
      } else if (ev.ev === 'exit') {
        this.#exitCode = ev.code;
      } else if (ev.ev === 'reply') {
        this.#replies.get(ev.id)?.(ev);
        this.#replies.delete(ev.id);
      }
      this.#wake();
    });
  }

  /** Starts `argv` on a new pty of the given size. */
  static async spawn(argv: readonly string[], o: { rows: number; cols: number; env?: Record<string, string> }): Promise<Pty> {
    const pty = new Pty();
    const r = await pty.#request({ op: 'spawn', argv, rows: o.rows, cols: o.cols, env: o.env ?? {} });
    pty.sttyBefore = r.stty as string;
    return pty;
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }

  #request(req: Record<string, unknown>, timeoutMs = 10_000): Promise<Reply> {
    if (this.#driverGone) return Promise.reject(new Error('pty driver is gone'));
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(new Error(`pty driver did not answer ${String(req.op)} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#replies.set(id, (r) => {
        clearTimeout(timer);
        if (r.error) reject(new Error(r.error));
        else resolve(r);
      });
      this.#proc.stdin.write(`${JSON.stringify({ ...req, id })}\n`);
    });
  }

  /** Waits, at most `timeoutMs`, until `check` is true; re-checked on every driver event. */
  async #until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#driverGone) return check();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Everything the program wrote to the terminal so far, as text. */
  get output(): string {
    return this.#output.toString('latin1');
  }

  /** The exit code once the program has exited (negative: killed by that signal). */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  /** Types bytes into the terminal, as a user at the keyboard would. */
  async write(data: string): Promise<void> {
    await this.#request({ op: 'write', data: Buffer.from(data, 'latin1').toString('base64') });
  }

  /** Sets the terminal's size (TIOCSWINSZ); the kernel sends SIGWINCH to the program. */
  async resize(rows: number, cols: number): Promise<void> {
    await this.#request({ op: 'resize', rows, cols });
  }

  /** What `stty ARGS` prints for the terminal now (default `-g`, its mode as one line). */
  async stty(args: readonly string[] = ['-g']): Promise<string> {
    return (await this.#request({ op: 'stty', args })).stty as string;
  }

  /**
   * Waits for output after the last match to match `pattern`, and returns the match; the next
   * expect starts after it. Throws with the unread output after `timeoutMs`.
   */
  async expect(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    let m: RegExpExecArray | null = null;
    const found = await this.#until(() => {
      m = pattern.exec(this.output.slice(this.#cursor));
      return m !== null;
    }, timeoutMs);
    if (!found || m === null) {
      throw new Error(`no ${pattern} within ${timeoutMs} ms; unread output: ${JSON.stringify(this.output.slice(this.#cursor))}`);
    }
    const hit: RegExpExecArray = m;
    this.#cursor += hit.index + hit[0].length;
    return hit;
  }

  /** Waits for the program to exit and returns its exit code; throws after `timeoutMs`. */
  async wait(timeoutMs = 10_000): Promise<number> {
    await this.#until(() => this.#exitCode !== undefined, timeoutMs);
    if (this.#exitCode === undefined) throw new Error(`the program did not exit within ${timeoutMs} ms; output: ${JSON.stringify(this.output)}`);
    return this.#exitCode;
  }

  /** Kills the program's process group if it still runs, and ends the driver. */
  async close(): Promise<void> {
    if (!this.#driverGone) {
      await this.#request({ op: 'kill' }).catch(() => {});
      this.#proc.stdin.end();
      await this.#until(() => this.#driverGone, 5_000);
      if (!this.#driverGone) this.#proc.kill('SIGKILL');
    }
  }
}
