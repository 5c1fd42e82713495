import { EtcdServer } from '../../lib/etcd-server.js';

/**
 * startEtcd starts a real etcd on free ports with a temp data dir. Call
 * `[Symbol.asyncDispose]()` (or `await using`) to stop it and remove its data;
 * tests never share an etcd.
 */
export async function startEtcd(): Promise<EtcdServer> {
  const etcd = new EtcdServer();
  try {
    await etcd.start();
  } catch (e) {
    await etcd[Symbol.asyncDispose]();
    throw e;
  }
  return etcd;
}
