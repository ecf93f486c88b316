// pay-to-write.js — an access script: to write here, pay first.
//
// A write is allowed only if its signer has paid PAYEE at least MIN_PAID
// units in total: the sum of every transfer ever made from the signer's
// address to PAYEE on the root chain. Paying once is enough for every later
// write; paying in several smaller transfers counts too.
//
// To use it for your own keyspace, change the two constants below:
//   PAYEE     the address writers must pay (usually your own address);
//   MIN_PAID  how much, in base units, they must have paid in total
//             (1 BVS = 100000000 units).
// then buy the keyspace with this file as its script:
//   bitverse keyspace buy NAME --script pay-to-write.js
//
// Try it without a chain:
//   bitverse script test pay-to-write.js --key NAME/hello --value hi --signer ADDR

const PAYEE = 'bvd1wxfmac2u3rh5rcn3ld6vrh4p6qfpg9c8dlj2sfx7l85v97ajkg5slfy7ns';
const MIN_PAID = 100000000; // 1 BVS

function validate(write, ctx) {
  if (write.key === ctx.keyspace + '/access.js') {
    // Replacing this script (bitverse keyspace set-script): the owner only.
    if (write.signer === ctx.owner) return true;
    throw 'only the owner of ' + ctx.keyspace + ' may replace its script';
  }
  const paid = ctx.paid(write.signer, PAYEE);
  if (paid < MIN_PAID) {
    throw 'writing to ' + ctx.keyspace + ' costs ' + bvs(MIN_PAID) + ' paid to ' + PAYEE +
      '; ' + write.signer + ' has paid ' + bvs(paid) + ' so far';
  }
  return true;
}

// bvs formats base units as BVS, e.g. 150000000 -> "1.5 BVS".
function bvs(units) {
  return units / 100000000 + ' BVS';
}
