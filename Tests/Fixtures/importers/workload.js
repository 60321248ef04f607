// Fixture workload: hotLoop takes about four times the CPU of coldLoop.
function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) { s += Math.sqrt(i) * Math.sin(i); } return s; }
function coldLoop(n) { let s = 0; for (let i = 0; i < n; i++) { s += Math.sqrt(i) * Math.sin(i); } return s; }
const end = Date.now() + 300;
let total = 0;
while (Date.now() < end) { total += hotLoop(200000); total += coldLoop(50000); }
if (total === 42) console.log(total);
