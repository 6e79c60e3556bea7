// Who may change settings in Teams. Anyone may view. In a personal chat the user decides; in a group
// chat any member of the chat; in a channel only the team's owners or users listed in
// TEAMS_SETTINGS_ADMINS. Tenant-wide defaults: only the listed users.
import type { Logger } from "../../src/log.js";
import type { TeamsTurn } from "./routing.js";

/** Answers whether a user owns a team (Microsoft Graph, see graph-owners.ts). */
export type TeamOwnerCheck = (turn: TeamsTurn) => Promise<boolean>;

export class TeamsPermissions {
  private readonly admins: Set<string>;
  private readonly logger: Logger;
  private readonly isOwner: TeamOwnerCheck | undefined;

  constructor(settingsAdmins: string[], logger: Logger, isOwner?: TeamOwnerCheck) {
    this.admins = new Set(settingsAdmins);
    this.logger = logger;
    this.isOwner = isOwner;
  }

  /** `fromId` is the sender's Teams id ("29:..."); `turn.userId` their Entra object id. */
  async forTurn(
    turn: TeamsTurn,
    fromId: string | undefined,
  ): Promise<{ conversation: boolean; workspace: boolean }> {
    const admin = this.admins.has(turn.userId) || (fromId !== undefined && this.admins.has(fromId));
    if (admin) return { conversation: true, workspace: true };
    if (turn.kind !== "channel") return { conversation: true, workspace: false };
    const owner = await (this.isOwner?.(turn) ?? Promise.resolve(false)).catch((err: unknown) => {
      this.logger.warn({ err }, "could not check team ownership; treating the user as a member");
      return false;
    });
    return { conversation: owner, workspace: false };
  }
}
