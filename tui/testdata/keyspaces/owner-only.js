// owner-only.js: only the owner of the keyspace may write into it.
function validate(write, ctx) {
  if (write.signer !== ctx.owner) {
    throw 'only the owner of ' + ctx.keyspace + ' may write here';
  }
  return true;
}
