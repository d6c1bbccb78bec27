/**
 * The lexer and parser of Go's text/template (Go 1.19), producing the tree template.ts runs.
 * Parse errors read `template: NAME:LINE: MSG` with Go's wording.
 */
import { SkiffError } from '../../util/errors.ts';
import { quote } from './fmt.ts';

/** A template error; `partial` is what execution wrote before failing, which Podman prints. */
export class TemplateError extends SkiffError {
  readonly partial: string;

  constructor(message: string, partial = '') {
    super('invalid-argument', message);
    this.name = 'TemplateError';
    this.partial = partial;
  }
}

// Lexer

type ItemType =
  | 'error' | 'eof' | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'assign' | 'declare' | 'pipe' | 'char'
  | 'string' | 'rawString' | 'charConstant' | 'number' | 'bool' | 'field' | 'variable' | 'identifier'
  | 'leftParen' | 'rightParen'
  // keywords (printed as <val> in errors)
  | 'dot' | 'nil' | 'block' | 'break' | 'continue' | 'define' | 'else' | 'end' | 'if' | 'range' | 'template' | 'with';

export interface Item {
  readonly type: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const KEYWORDS: Record<string, ItemType> = {
  '.': 'dot', nil: 'nil', block: 'block', break: 'break', continue: 'continue', define: 'define',
  else: 'else', end: 'end', if: 'if', range: 'range', template: 'template', with: 'with',
};
const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

function itemString(it: Item): string {
  if (it.type === 'eof') return 'EOF';
  if (it.type === 'error') return it.val;
  if (KEYWORD_TYPES.has(it.type)) return `<${it.val}>`;
  const runes = [...it.val];
  if (runes.length > 10) return `${quote(runes.slice(0, 10).join(''))}...`;
  return quote(it.val);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const ALNUM = /^[\p{L}\p{Nd}_]$/u;
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && ALNUM.test(c);
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's %#U: `U+007D '}'`. */
function unicodeName(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return PRINTABLE.test(c) ? `${u} '${c}'` : u;
}

export function lex(text: string): Item[] {
  const items: Item[] = [];
  const newlines: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (p: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  let start = 0;
  let pos = 0;
  let parenDepth = 0;
  const emit = (type: ItemType): void => {
    items.push({ type, pos: start, val: text.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const fail = (msg: string): false => {
    items.push({ type: 'error', pos: start, val: msg, line: lineAt(start) });
    return false;
  };
  const peekChar = (): string | undefined => (pos < text.length ? String.fromCodePoint(text.codePointAt(pos)!) : undefined);
  const nextChar = (): string | undefined => {
    const c = peekChar();
    if (c !== undefined) pos += c.length;
    return c;
  };
  const hasRightTrim = (p: number): boolean => isSpace(text[p]) && text[p + 1] === '-';
  const atRightDelim = (): [boolean, boolean] => {
    if (hasRightTrim(pos) && text.startsWith('}}', pos + 2)) return [true, true];
    return [text.startsWith('}}', pos), false];
  };
  const skipLeadingSpace = (): void => {
    while (isSpace(text[pos])) pos++;
    start = pos;
  };
  const atTerminator = (): boolean => {
    const c = text[pos];
    return c === undefined || isSpace(c) || '.,|:()'.includes(c) || text.startsWith('}}', pos);
  };

  // Each function returns false once an error or EOF item has been emitted.
  const lexText = (): boolean => {
    const x = text.indexOf('{{', pos);
    if (x < 0) {
      pos = text.length;
      if (pos > start) emit('text');
      emit('eof');
      return false;
    }
    let end = x;
    if (text[x + 2] === '-' && isSpace(text[x + 3])) {
      while (end > start && isSpace(text[end - 1])) end--;
    }
    if (end > start) {
      pos = end;
      emit('text');
    }
    pos = x;
    start = x;
    return lexLeftDelim();
  };

  const lexLeftDelim = (): boolean => {
    pos += 2;
    const marker = text[pos] === '-' && isSpace(text[pos + 1]) ? 2 : 0;
    if (text.startsWith('/*', pos + marker)) {
      pos += marker;
      start = pos;
      return lexComment();
    }
    emit('leftDelim');
    pos += marker;
    start = pos;
    parenDepth = 0;
    return lexInsideAction();
  };

  const lexComment = (): boolean => {
    pos += 2;
    const x = text.indexOf('*/', pos);
    if (x < 0) return fail('unclosed comment');
    pos = x + 2;
    const [delim, trim] = atRightDelim();
    if (!delim) return fail('comment ends before closing delimiter');
    pos += (trim ? 2 : 0) + 2;
    if (trim) skipLeadingSpace();
    start = pos;
    return true;
  };

  const lexRightDelim = (): boolean => {
    if (hasRightTrim(pos)) {
      pos += 2;
      start = pos;
      pos += 2;
      emit('rightDelim');
      skipLeadingSpace();
    } else {
      pos += 2;
      emit('rightDelim');
    }
    return true;
  };

  const lexInsideAction = (): boolean => {
    for (;;) {
      const [delim] = atRightDelim();
      if (delim) {
        if (parenDepth === 0) return lexRightDelim();
        return fail('unclosed left paren');
      }
      const c = nextChar();
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        pos -= 1;
        let n = 0;
        while (isSpace(text[pos])) {
          pos++;
          n++;
        }
        // A space that starts a trim-marked right delimiter belongs to the delimiter.
        if (hasRightTrim(pos - 1) && text.startsWith('}}', pos + 1)) {
          pos--;
          if (n === 1) continue;
        }
        emit('space');
        continue;
      }
      switch (c) {
        case '=':
          emit('assign');
          continue;
        case ':':
          if (nextChar() !== '=') return fail('expected :=');
          emit('declare');
          continue;
        case '|':
          emit('pipe');
          continue;
        case '"':
          if (!lexQuote('"', 'unterminated quoted string', 'string')) return false;
          continue;
        case '`': {
          const x = text.indexOf('`', pos);
          if (x < 0) return fail('unterminated raw quoted string');
          pos = x + 1;
          emit('rawString');
          continue;
        }
        case "'":
          if (!lexQuote("'", 'unterminated character constant', 'charConstant')) return false;
          continue;
        case '$':
          if (atTerminator()) {
            emit('variable');
            continue;
          }
          if (!lexFieldOrVariable('variable')) return false;
          continue;
        case '(':
          emit('leftParen');
          parenDepth++;
          continue;
        case ')':
          parenDepth--;
          emit('rightParen');
          continue;
      }
      if (c === '.' && !(text[pos] >= '0' && text[pos] <= '9')) {
        if (!lexFieldOrVariable('field')) return false;
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos -= 1;
        if (!lexNumber()) return false;
        continue;
      }
      if (isAlphaNumeric(c)) {
        pos -= c.length;
        if (!lexIdentifier()) return false;
        continue;
      }
      if ((c.codePointAt(0) ?? 0) < 0x80 && PRINTABLE.test(c)) {
        emit('char');
        continue;
      }
      return fail(`unrecognized character in action: ${unicodeName(c)}`);
    }
  };

  const lexQuote = (q: string, unterminated: string, type: ItemType): boolean => {
    for (;;) {
      let c = nextChar();
      if (c === '\\') {
        c = nextChar();
        if (c !== undefined && c !== '\n') continue;
        return fail(unterminated);
      }
      if (c === undefined || c === '\n') return fail(unterminated);
      if (c === q) break;
    }
    emit(type);
    return true;
  };

  const lexFieldOrVariable = (type: 'field' | 'variable'): boolean => {
    if (type === 'field' && atTerminator()) {
      emit('dot');
      return true;
    }
    while (isAlphaNumeric(peekChar())) nextChar();
    if (!atTerminator()) return fail(`bad character ${unicodeName(peekChar() ?? '')}`);
    emit(type);
    return true;
  };

  const lexIdentifier = (): boolean => {
    while (isAlphaNumeric(peekChar())) nextChar();
    if (!atTerminator()) return fail(`bad character ${unicodeName(peekChar() ?? '')}`);
    const word = text.slice(start, pos);
    const kw = KEYWORDS[word];
    if (kw !== undefined) emit(kw);
    else if (word === 'true' || word === 'false') emit('bool');
    else emit('identifier');
    return true;
  };

  const accept = (valid: string): boolean => {
    if (pos < text.length && valid.includes(text[pos])) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (pos < text.length && valid.includes(text[pos])) pos++;
  };
  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peekChar())) {
      nextChar();
      return false;
    }
    return true;
  };
  const lexNumber = (): boolean => {
    if (!scanNumber()) return fail(`bad number syntax: ${quote(text.slice(start, pos))}`);
    if (text[pos] === '+' || text[pos] === '-') {
      // A complex constant (1+2i); Go accepts it, we only lex it to report it.
      if (!scanNumber() || text[pos - 1] !== 'i') return fail(`bad number syntax: ${quote(text.slice(start, pos))}`);
    }
    emit('number');
    return true;
  };

  while (lexText()) {
    // Each round lexes one text and the action or comment after it.
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Parse tree

export type ArgNode = FieldNode | ChainNode | IdentifierNode | VariableNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode;

export interface FieldNode { readonly type: 'field'; readonly pos: number; readonly ident: string[] }
export interface ChainNode { readonly type: 'chain'; readonly pos: number; readonly node: ArgNode; readonly field: string[] }
export interface IdentifierNode { readonly type: 'identifier'; readonly pos: number; readonly ident: string }
export interface VariableNode { readonly type: 'variable'; readonly pos: number; readonly ident: string[] }
interface DotNode { readonly type: 'dot'; readonly pos: number }
interface NilNode { readonly type: 'nil'; readonly pos: number }
interface BoolNode { readonly type: 'bool'; readonly pos: number; readonly value: boolean }
interface NumberNode { readonly type: 'number'; readonly pos: number; readonly text: string; readonly value: number | bigint; readonly isInt: boolean }
interface StringNode { readonly type: 'string'; readonly pos: number; readonly quoted: string; readonly text: string }
export interface CommandNode { readonly type: 'command'; readonly pos: number; readonly args: ArgNode[] }
export interface PipeNode { readonly type: 'pipe'; readonly pos: number; isAssign: boolean; readonly decl: VariableNode[]; readonly cmds: CommandNode[] }

interface TextNode { readonly type: 'text'; readonly pos: number; readonly text: string }
interface ActionNode { readonly type: 'action'; readonly pos: number; readonly pipe: PipeNode }
export interface BranchNode {
  readonly type: 'if' | 'range' | 'with';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}
export interface TemplateNode { readonly type: 'template'; readonly pos: number; readonly name: string; readonly pipe: PipeNode | undefined }
interface LoopControlNode { readonly type: 'break' | 'continue'; readonly pos: number }
export interface ListNode { readonly type: 'list'; readonly pos: number; readonly nodes: Node[] }
interface EndNode { readonly type: 'end'; readonly pos: number }
interface ElseNode { readonly type: 'else'; readonly pos: number }

export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode | ListNode;
export type AnyNode = Node | ArgNode | CommandNode | EndNode | ElseNode;

/** Go's Node.String(), which execution errors quote as `at <…>`. */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case 'field':
      return `.${n.ident.join('.')}`;
    case 'chain':
      return `${n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)}.${n.field.join('.')}`;
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'pipe': {
      const decl = n.decl.length > 0 ? `${n.decl.map(nodeString).join(', ')} := ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'text':
      return quote(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      const elseText = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${elseText}{{end}}`;
    }
    case 'template':
      return n.pipe ? `{{template ${quote(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${quote(n.name)}}}`;
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
  }
}

function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim() === '';
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

export class Parser {
  private i = 0;
  private fetched = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  private readonly name: string;
  private readonly items: Item[];
  private readonly funcs: ReadonlyMap<string, unknown>;
  private readonly trees: Map<string, ListNode>;

  constructor(name: string, items: Item[], funcs: ReadonlyMap<string, unknown>, trees: Map<string, ListNode>) {
    this.name = name;
    this.items = items;
    this.funcs = funcs;
    this.trees = trees;
  }

  parseRoot(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n as Node);
    }
    return root;
  }

  private errorf(msg: string): never {
    const line = this.items[Math.min(this.fetched, this.items.length - 1)].line;
    throw new TemplateError(`template: ${this.name}:${line}: ${msg}`);
  }

  private next(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)];
    this.fetched = Math.max(this.fetched, this.i);
    this.i++;
    if (it.type === 'error') this.unexpected(it, '');
    return it;
  }

  private peek(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)];
    this.fetched = Math.max(this.fetched, this.i);
    return it;
  }

  private backup(): void {
    this.i--;
  }

  private nextNonSpace(): Item {
    let it = this.next();
    while (it.type === 'space') it = this.next();
    return it;
  }

  private peekNonSpace(): Item {
    const it = this.nextNonSpace();
    this.backup();
    return it;
  }

  private unexpected(it: Item, context: string): never {
    if (it.type === 'error') {
      // Lexical errors are reported as they are, with where the action began when that differs.
      const action = this.actionLine;
      let extra = '';
      if (action !== 0 && action !== it.line) extra = it.val.endsWith(' action') ? ` started at ${this.name}:${action}` : ` in action started at ${this.name}:${action}`;
      this.fetched = this.items.indexOf(it);
      this.errorf(it.val + extra);
    }
    this.errorf(`unexpected ${itemString(it)} in ${context}`);
  }

  private expect(type: ItemType, context: string): Item {
    const it = this.nextNonSpace();
    if (it.type !== type) this.unexpected(it, context);
    return it;
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const nameItem = this.nextNonSpace();
    if (nameItem.type !== 'string' && nameItem.type !== 'rawString') this.unexpected(nameItem, context);
    const name = this.unquote(nameItem.val);
    this.expect('rightDelim', context);
    const outer = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = outer;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.addTree(name, list);
  }

  private addTree(name: string, list: ListNode): void {
    const existing = this.trees.get(name);
    if (existing === undefined || isEmptyTree(existing) || !isEmptyTree(list)) this.trees.set(name, list);
  }

  private itemList(): [ListNode, EndNode | ElseNode] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndNode | ElseNode {
    const it = this.nextNonSpace();
    switch (it.type) {
      case 'text':
        return { type: 'text', pos: it.pos, text: it.val };
      case 'leftDelim': {
        const outer = this.actionLine;
        this.actionLine = it.line;
        try {
          return this.action();
        } finally {
          this.actionLine = outer;
        }
      }
      default:
        this.unexpected(it, 'input');
    }
  }

  private action(): Node | EndNode | ElseNode {
    const it = this.nextNonSpace();
    switch (it.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue': {
        const close = this.nextNonSpace();
        if (close.type !== 'rightDelim') this.unexpected(close, `{{${it.type}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${it.type}}} outside {{range}}`);
        return { type: it.type, pos: it.pos };
      }
      case 'else': {
        const peek = this.peekNonSpace();
        if (peek.type === 'if') return { type: 'else', pos: peek.pos };
        return { type: 'else', pos: this.expect('rightDelim', 'else').pos };
      }
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
      case 'range':
      case 'with':
        return this.parseControl(it.type);
      case 'template':
        return this.templateControl();
      default: {
        this.backup();
        const pos = this.peek().pos;
        return { type: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
      }
    }
  }

  private parseControl(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      let elseList: ListNode | undefined;
      if (next.type === 'else') {
        if (context === 'if' && this.peek().type === 'if') {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.parseControl('if')] };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      if (context === 'range') this.rangeDepth--;
      return { type: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private parseTemplateName(it: Item, context: string): string {
    if (it.type !== 'string' && it.type !== 'rawString') this.unexpected(it, context);
    return this.unquote(it.val);
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const it = this.nextNonSpace();
    const name = this.parseTemplateName(it, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: it.pos, name, pipe };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const it = this.nextNonSpace();
    const name = this.parseTemplateName(it, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const outerVars = this.vars;
    const outerDepth = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    this.vars = outerVars;
    this.rangeDepth = outerDepth;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.addTree(name, list);
    return { type: 'template', pos: it.pos, name, pipe };
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    // Declarations: `$x :=`, `$x =`, and in range `$i, $v :=`.
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const save = this.i;
      this.nextNonSpace();
      const after = this.peekNonSpace();
      if (after.type === 'assign' || after.type === 'declare') {
        pipe.isAssign = after.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        this.vars.push(v.val);
        break;
      }
      if (after.type === 'char' && after.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = save;
      break;
    }
    for (;;) {
      const it = this.nextNonSpace();
      switch (it.type) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(it, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0].type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const it = this.next();
      if (it.type === 'space') continue;
      if (it.type === 'rightDelim' || it.type === 'rightParen') this.backup();
      else if (it.type !== 'pipe') this.unexpected(it, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.errorf(`unexpected . after term ${quote(nodeString(node))}`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const it = this.nextNonSpace();
    switch (it.type) {
      case 'identifier':
        if (!this.funcs.has(it.val)) this.errorf(`function ${quote(it.val)} not defined`);
        return { type: 'identifier', pos: it.pos, ident: it.val };
      case 'dot':
        return { type: 'dot', pos: it.pos };
      case 'nil':
        return { type: 'nil', pos: it.pos };
      case 'variable': {
        const ident = it.val.split('.');
        if (!this.vars.includes(ident[0])) this.errorf(`undefined variable ${quote(ident[0])}`);
        return { type: 'variable', pos: it.pos, ident };
      }
      case 'field':
        return { type: 'field', pos: it.pos, ident: [it.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: it.pos, value: it.val === 'true' };
      case 'charConstant':
      case 'number':
        return this.number(it);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: it.pos, quoted: it.val, text: this.unquote(it.val) };
      default:
        this.backup();
        return undefined;
    }
  }

  private number(it: Item): NumberNode {
    if (it.type === 'charConstant') {
      const r = unquoteChar(it.val.slice(1), "'");
      if (r === undefined) this.errorf('invalid syntax');
      if (r.tail !== "'") this.errorf(`malformed character constant: ${it.val}`);
      return { type: 'number', pos: it.pos, text: it.val, value: r.value, isInt: true };
    }
    const parsed = parseNumber(it.val);
    if (typeof parsed === 'string') this.errorf(parsed);
    return { type: 'number', pos: it.pos, text: it.val, ...parsed };
  }

  private unquote(s: string): string {
    const r = unquote(s);
    if (r === undefined) this.errorf('invalid syntax');
    return r;
  }
}

/** strconv.Unquote for "…" and `…` literals; undefined on a syntax error. */
function unquote(s: string): string | undefined {
  if (s.length < 2) return undefined;
  if (s[0] === '`') return s.endsWith('`') && !s.slice(1, -1).includes('`') ? s.slice(1, -1).replaceAll('\r', '') : undefined;
  if (s[0] !== '"' || !s.endsWith('"')) return undefined;
  const bytes: number[] = [];
  let rest = s.slice(1, -1);
  while (rest.length > 0) {
    if (rest[0] === '"' || rest[0] === '\n') return undefined;
    const r = unquoteChar(rest, '"');
    if (r === undefined) return undefined;
    if (r.byte) bytes.push(r.value);
    else bytes.push(...Buffer.from(String.fromCodePoint(r.value), 'utf8'));
    rest = r.tail;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** strconv.UnquoteChar: one character or escape; `byte` marks \x and octal escapes, which are raw bytes. */
function unquoteChar(s: string, q: string): { value: number; byte: boolean; tail: string } | undefined {
  const c = s.codePointAt(0);
  if (c === undefined) return undefined;
  const ch = String.fromCodePoint(c);
  if (ch === q && (q === "'" || q === '"')) return undefined;
  if (ch !== '\\') return { value: c, byte: false, tail: s.slice(ch.length) };
  const e = s[1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e in simple) return { value: simple[e], byte: false, tail: s.slice(2) };
  if (e === "'" || e === '"') return e === q ? { value: e.charCodeAt(0), byte: false, tail: s.slice(2) } : undefined;
  const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const h = s.slice(2, 2 + hexLen);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) return undefined;
    const v = parseInt(h, 16);
    if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) return undefined;
    return { value: v, byte: e === 'x', tail: s.slice(2 + hexLen) };
  }
  if (e >= '0' && e <= '7') {
    const o = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) return undefined;
    return { value: parseInt(o, 8), byte: true, tail: s.slice(4) };
  }
  return undefined;
}

/** Go's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1])) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) saw = '0';
    else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

const INT64_MAX = (1n << 63n) - 1n;

/** A number literal's value, or Go's parse error text. */
function parseNumber(text: string): { value: number | bigint; isInt: boolean } | string {
  const illegal = `illegal number syntax: ${quote(text)}`;
  if (text.endsWith('i')) return illegal;
  if (text.includes('_') && !underscoreOK(text)) return illegal;
  const t = text.replaceAll('_', '');
  const int = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (int) {
    let digits = int[2];
    if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
    let v = BigInt(digits);
    if (int[1] === '-') v = -v;
    if (v > INT64_MAX || v < -INT64_MAX - 1n) {
      return v > 0n && v < 1n << 64n ? { value: v, isInt: false } : `integer overflow: ${quote(text)}`;
    }
    return { value: v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v, isInt: true };
  }
  let f: number;
  const hexFloat = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(t);
  if (hexFloat && (hexFloat[2] + (hexFloat[3] ?? '')).length > 0) {
    const frac = hexFloat[3] ?? '';
    f = parseInt(hexFloat[2] + frac || '0', 16) * 2 ** (Number(hexFloat[4]) - 4 * frac.length);
    if (hexFloat[1] === '-') f = -f;
  } else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    f = Number(t);
  } else {
    return illegal;
  }
  if (!Number.isFinite(f)) return illegal;
  return { value: f, isInt: Number.isInteger(f) && Math.abs(f) <= 2 ** 63 };
}
