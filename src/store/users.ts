import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.ts';
import * as keys from './item-keys.ts';

export interface Profile {
  userId: string;
  email: string;
  name: string;
  createdAt: string;
}

/** A profile from its item (keys.profile): none until it has an email. */
export const profileOf = (userId: string, item: Record<string, unknown> | undefined): Profile | undefined => {
  if (!item?.email) return undefined;
  const { email, name, createdAt } = item as Omit<Profile, 'userId'>;
  return { userId, email, name, createdAt };
};

export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  /**
   * Creates the profile, or completes one that an account opening made first; a repeat for the same
   * user keeps the first values.
   */
  async create(p: Profile): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.profile(p.userId),
        UpdateExpression:
          'SET entity = :entity, userId = :id, email = if_not_exists(email, :email), #name = if_not_exists(#name, :name), createdAt = if_not_exists(createdAt, :at), openAccounts = if_not_exists(openAccounts, :zero)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: {
          ':entity': 'profile',
          ':id': p.userId,
          ':email': p.email,
          ':name': p.name,
          ':at': p.createdAt,
          ':zero': 0,
        },
      }),
    );
  }

  /**
   * Sets the profile's name (a confirmation's: src/handlers/auth.ts). A profile not made yet keeps it:
   * `create` keeps a name already there.
   */
  async rename(userId: string, name: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.profile(userId),
        UpdateExpression: 'SET #name = :name',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': name },
      }),
    );
  }

  async get(userId: string): Promise<Profile | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.profile(userId) }));
    return profileOf(userId, r.Item);
  }
}
