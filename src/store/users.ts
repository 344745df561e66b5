import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.ts';
import { keys } from './keys.ts';

export interface Profile {
  userId: string;
  email: string;
  name: string;
  createdAt: string;
}

export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /** Creates the profile; a repeat for the same user keeps the first one. */
  async create(p: Profile): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.profile(p.userId), entity: 'profile', ...p, openAccounts: 0 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  async get(userId: string): Promise<Profile | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.profile(userId) }));
    if (!r.Item?.email) return undefined;
    const { email, name, createdAt } = r.Item;
    return { userId, email, name, createdAt };
  }
}
