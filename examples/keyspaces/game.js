// game.js — a tiny game world where nobody moves faster than SPEED.
//
// Keys:    <keyspace>/players/<name>        name: 1 to 32 of a-z 0-9 _ -
// Values:  JSON {"x": number, "y": number, "t": number, "owner": address}
//   x, y   the player's position, each within [-WORLD, WORLD]
//   t      the block time (unix milliseconds) of the move; never later than
//          the block the move is written in (ctx.time)
//   owner  the address that created the player; it never changes
//
// The first write of a player creates it: owner must be the signer. Every
// later write is a move: it must be signed by the owner and may not cover
// more than SPEED world units per second since the previous move:
//   distance(previous, new) <= SPEED * (new.t - previous.t) / 1000

const SPEED = 10;        // world units per second
const WORLD = 1000000;   // the world is the square [-WORLD, WORLD]²

function validate(write, ctx) {
  const prefix = ctx.keyspace + '/players/';
  if (write.key === ctx.keyspace + '/access.js') {
    // Replacing this script (bitverse keyspace set-script): the owner only.
    if (write.signer === ctx.owner) return true;
    throw 'only the owner of ' + ctx.keyspace + ' may replace its script';
  }
  if (!write.key.startsWith(prefix)) {
    throw 'only ' + prefix + '<name> keys exist in this game';
  }
  checkName(write.key.slice(prefix.length));

  const next = parse(write.value, 'the new state');
  if (next.t > ctx.time) {
    throw 'the move is dated ' + next.t + ', after this block (' + ctx.time + ')';
  }
  if (!write.prevExists) {
    if (next.owner !== write.signer) {
      throw 'a new player must be owned by its creator, ' + write.signer;
    }
    return true;
  }

  const prev = parse(write.prev, 'the previous state');
  if (write.signer !== prev.owner) {
    throw 'this player belongs to ' + prev.owner;
  }
  if (next.owner !== prev.owner) {
    throw 'a player cannot change owner';
  }
  if (next.t <= prev.t) {
    throw 'a move must be later than the previous one (t > ' + prev.t + ')';
  }
  const dist = Math.hypot(next.x - prev.x, next.y - prev.y);
  const allowed = SPEED * (next.t - prev.t) / 1000;
  if (dist > allowed) {
    throw 'too fast: moved ' + dist.toFixed(2) + ' units in ' + (next.t - prev.t) + ' ms; the limit is ' + allowed.toFixed(2);
  }
  return true;
}

function checkName(name) {
  const allowed = 'abcdefghijklmnopqrstuvwxyz0123456789_-';
  if (name.length === 0 || name.length > 32) {
    throw 'a player name has 1 to 32 characters';
  }
  for (const c of name) {
    if (!allowed.includes(c)) {
      throw 'a player name may only use ' + allowed;
    }
  }
}

// parse reads a player state and checks every field.
function parse(text, what) {
  let s;
  try {
    s = JSON.parse(text);
  } catch (e) {
    throw what + ' is not JSON: ' + e.message;
  }
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    throw what + ' must be a JSON object {x, y, t, owner}';
  }
  const keys = Object.keys(s).sort().join(',');
  if (keys !== 'owner,t,x,y') {
    throw what + ' must have exactly the fields x, y, t and owner (has ' + keys + ')';
  }
  for (const k of ['x', 'y']) {
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k]) || Math.abs(s[k]) > WORLD) {
      throw what + ': ' + k + ' must be a number within [-' + WORLD + ', ' + WORLD + ']';
    }
  }
  if (!Number.isSafeInteger(s.t) || s.t < 0) {
    throw what + ': t must be a block time in unix milliseconds';
  }
  if (typeof s.owner !== 'string') {
    throw what + ': owner must be an address';
  }
  return s;
}
