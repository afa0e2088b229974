import type { KeyedQueue } from '../util/keyedQueue.js';
import type { RecordIo } from './records.js';
import { storeKeys as keys } from './storeKeys.js';
import type { GuildSettings } from './types.js';

/** One settings record per guild; every write runs in that key's queue, so two admins' changes cannot cross. */
export class GuildSettingsRecords {
  constructor(
    private readonly io: RecordIo,
    private readonly writes: KeyedQueue,
  ) {}

  async getGuildSettings(guildId: string): Promise<GuildSettings> {
    return (await this.io.get<GuildSettings>(keys.guild(guildId))) ?? {};
  }

  async setGuildSettings(guildId: string, settings: GuildSettings): Promise<void> {
    await this.writes.run(keys.guild(guildId), () => this.io.set(keys.guild(guildId), settings));
  }

  updateGuildSettings(
    guildId: string,
    change: (current: GuildSettings) => GuildSettings,
  ): Promise<{ before: GuildSettings; after: GuildSettings }> {
    return this.writes.run(keys.guild(guildId), async () => {
      const before = await this.getGuildSettings(guildId);
      const after = change(before);
      await this.io.set(keys.guild(guildId), after);
      return { before, after };
    });
  }
}
