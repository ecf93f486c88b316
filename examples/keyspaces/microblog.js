// microblog.js — handles and posts of at most 140 characters.
//
// Keys:    <keyspace>/<handle>/<post>     e.g. erik/blog/alice/hello-world
// Values:  the post: text of 1 to 140 characters (Unicode code points).
//
// Handles belong to their first writer. A handle is registered as the
// sub-keyspace <keyspace>/<handle> on the root chain
// (bitverse keyspace buy <keyspace>/<handle>), where names are first
// come, first served: whoever creates it first owns it, and only its owner
// may write posts under it. The script learns the owner from the ledger with
// ctx.ownerOf(<keyspace>/<handle>), the only fact about other keys a script
// can see, and the same for every node because the root chain is followed by
// all of them. A handle that nobody has registered yet cannot be posted to.
//
//   handle  1 to 32 of a-z 0-9 _
//   post    1 to 64 of a-z A-Z 0-9 _ - .
//
// The owner of a handle may rewrite or delete (write an empty value to) their
// own posts; nobody else can touch them.

const MAX_CHARS = 140;

function validate(write, ctx) {
  const prefix = ctx.keyspace + '/';
  if (write.key === prefix + 'access.js') {
    // Replacing this script (bitverse keyspace set-script): the owner only.
    if (write.signer === ctx.owner) return true;
    throw 'only the owner of ' + ctx.keyspace + ' may replace its script';
  }
  if (!write.key.startsWith(prefix)) {
    throw 'key ' + write.key + ' is not in ' + ctx.keyspace;
  }
  const parts = write.key.slice(prefix.length).split('/');
  if (parts.length !== 2) {
    throw 'keys here look like ' + prefix + '<handle>/<post>';
  }
  const handle = parts[0];
  const post = parts[1];
  check(handle, 32, 'abcdefghijklmnopqrstuvwxyz0123456789_', 'handle');
  check(post, 64, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.', 'post name');

  const owner = ctx.ownerOf(prefix + handle);
  if (owner === null && post === 'access.js') {
    // Registering the handle: the chain asks this script whether the
    // sub-keyspace <keyspace>/<handle> may be created, as a write of its
    // script at <keyspace>/<handle>/access.js. First come, first served
    // (the chain refuses a name that exists). Before registration anyone
    // may also put a value at that key; the handle's owner can overwrite it.
    return true;
  }
  if (owner === null) {
    throw '@' + handle + ' is not registered yet: register the sub-keyspace ' + prefix + handle + ' first';
  }
  if (owner !== write.signer) {
    throw '@' + handle + ' belongs to ' + owner + ', not to ' + write.signer;
  }

  if (write.size === 0) {
    if (!write.prevExists) {
      throw 'there is no post ' + post + ' to delete';
    }
    return true; // the owner deletes a post
  }
  // A string's length counts UTF-16 units, at least one per character, so a
  // long value is refused before counting characters one by one.
  if (write.value.length > 2 * MAX_CHARS || Array.from(write.value).length > MAX_CHARS) {
    throw 'posts are at most ' + MAX_CHARS + ' characters; this one has ' + Array.from(write.value.slice(0, 4 * MAX_CHARS)).length +
      (write.value.length > 4 * MAX_CHARS ? '+' : '');
  }
  return true;
}

// check refuses a name that is empty, too long or uses other characters.
function check(name, max, allowed, what) {
  if (name.length === 0 || name.length > max) {
    throw 'a ' + what + ' has 1 to ' + max + ' characters';
  }
  for (let i = 0; i < name.length; i++) {
    if (!allowed.includes(name[i])) {
      throw 'a ' + what + ' may only use ' + allowed + ' (found ' + JSON.stringify(name[i]) + ')';
    }
  }
}
