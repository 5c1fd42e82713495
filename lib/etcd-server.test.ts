import { describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { existsSync } from 'node:fs';
import { EtcdServer } from './etcd-server.js';

describe('EtcdServer', () => {
  it('starts a real etcd, keeps data across a restart, and removes its temp dir', async () => {
    const etcd = new EtcdServer();
    try {
      await etcd.start();
      const client = new Etcd3({ hosts: etcd.endpoint });
      try {
        await client.put('/k').value('v1');
        await etcd.restart();
        expect(await client.get('/k').string()).toBe('v1');
      } finally {
        client.close();
      }
    } finally {
      await etcd[Symbol.asyncDispose]();
    }
    expect(existsSync(etcd.dataDir)).toBe(false);
    expect(etcd.running).toBe(false);
  });
});
