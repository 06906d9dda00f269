import { describe, expect, it } from 'vitest';
import { isProcwardError } from '../../src/errors/procward-error.js';
import { checkName, checkSize, commandSequence, literalArgument, literalFormat } from '../../src/tmux/tmux-argv.js';

describe('tmux argv', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    [';', '\\;'],
    ['a;', 'a\\;'],
    // tmux turns a trailing "\;" into ";": one more backslash keeps a literal "\;".
    ['a\\;', 'a\\\\;'],
    ['a;b', 'a;b'],
  ])('literalArgument(%j) is %j', (arg, expected) => {
    expect(literalArgument(arg)).toBe(expected);
  });

  it('joins commands with a separator no argument can be mistaken for', () => {
    expect(commandSequence(['new-session', '--', 'sh', 'x;'], ['set-option', '-g', '@a', ';'])).toEqual(['new-session', '--', 'sh', 'x\\;', ';', 'set-option', '-g', '@a', '\\;']);
  });

  it('doubles "#" where tmux expands formats', () => {
    expect(literalFormat('/tmp/#(rm -rf ~)/#{pid}##')).toBe('/tmp/##(rm -rf ~)/##{pid}####');
  });

  it.each(['build-1', 'A_b-9', 'x'.repeat(100)])('accepts the name %j', (name) => {
    expect(checkName(name, 'session')).toBe(name);
  });

  it.each(['', 'a.b', 'a:b', 'a b', 'a/b', '#x', '$1', '=x', '@1', '%1', 'é', 'x'.repeat(101), 42])('rejects the name %j', (name) => {
    expect(() => checkName(name, 'socket')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    try {
      checkName(name, 'socket');
    } catch (err) {
      expect(isProcwardError(err, 'INVALID_OPTIONS')).toBe(true);
      expect((err as Error).message).toMatch(/socket/);
    }
  });

  it.each([
    [0, 24, 'cols'],
    [80, 1.5, 'rows'],
    [Number.NaN, 24, 'cols'],
    ['80', 24, 'cols'],
  ])('rejects the size %j × %j', (cols, rows, path) => {
    expect(() => checkSize(cols, rows)).toThrow(new RegExp(path));
  });
});
