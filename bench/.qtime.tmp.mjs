import { MongoClient } from 'mongodb';

const c = await MongoClient.connect(process.argv[2]);
const db = c.db('bench_chat');
const t = async (name, fn) => {
  const s = performance.now();
  let r;
  for (let i = 0; i < 5; i++) r = await fn();
  console.log(name, ((performance.now() - s) / 5).toFixed(1), 'ms', JSON.stringify(r)?.slice(0, 80));
};
for (const col of ['events', 'messages', 'conversations', 'users', 'launches'])
  console.log(col, await db.collection(col).estimatedDocumentCount());
const ev = await db.collection('events').findOne({});
const tenantId = ev?.tenantId;
await t('latestSeq', () =>
  db.collection('events').findOne({ tenantId }, { projection: { seq: 1 }, sort: { seq: -1 } }),
);
const conv = await db.collection('conversations').findOne({});
await t('conv by openKey', () =>
  db.collection('conversations').findOne({ tenantId, openKey: conv?.openKey }),
);
await t('conv by _id', () => db.collection('conversations').findOne({ _id: conv?._id }));
await t('messages of conv', () =>
  db
    .collection('messages')
    .find({ tenantId, conversationId: conv?._id })
    .sort({ createdAt: 1, _id: 1 })
    .limit(50)
    .toArray()
    .then((a) => a.length),
);
await t('events of conv since', () =>
  db
    .collection('events')
    .find({ tenantId, conversationId: conv?._id, seq: { $gt: 0 } })
    .sort({ seq: 1 })
    .limit(1000)
    .toArray()
    .then((a) => a.length),
);
const ex = await db.collection('events').find({ tenantId }).sort({ seq: -1 }).limit(1).explain();
console.log(JSON.stringify(ex).slice(0, 600));
await c.close();
