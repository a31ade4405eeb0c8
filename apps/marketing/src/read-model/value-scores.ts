/**
 * Analytics' value figures as the read model keeps them: a tier part (tier,
 * CLV, its currency; versioned by `tier_changed_at`) and a churn part (band,
 * risk; versioned by `churn_changed_at`). `tier_changed` carries a tier
 * part, `churn_risk_changed` a churn part, `value_changed` both; each part
 * is taken when it is not older than the part the row has.
 */
export interface TierPart {
  tier: string | null;
  clv: string | null;
  currency: string | null;
}

export interface ChurnPart {
  band: string | null;
  risk: number | null;
}

export interface ValueScore {
  contactId: string;
  /** The event's instant, in ms: the version of the parts it carries. */
  at: number;
  tier?: TierPart;
  churn?: ChurnPart;
}

/** The versions a contact's row has (null: never set); contacts without a row are absent. */
export interface StoredVersions {
  tierAt: number | null;
  churnAt: number | null;
}

/** What a contact's row takes: the last part of each kind that applied, with its version. */
export interface ValueScoreWrite {
  contactId: string;
  tier: (TierPart & { at: number }) | null;
  churn: (ChurnPart & { at: number }) | null;
}

/**
 * Applies a run of value scores, in stream order, to the versions the rows
 * have, as applying them one by one would: an event applies when a part it
 * carries is not older than the row's (a contact without a row takes
 * nothing). Returns, per event, whether it applied, and per contact the
 * one write that leaves the row where the events one by one would — a
 * scoring sends three events per customer, and three updates of one row
 * were three new row versions, each written to every index the changed
 * columns are in.
 */
export function valueScoreWrites(
  scores: readonly ValueScore[],
  stored: ReadonlyMap<string, StoredVersions>,
): { applied: boolean[]; writes: ValueScoreWrite[] } {
  const rows = new Map<string, { versions: StoredVersions; write: ValueScoreWrite }>();
  const applied = scores.map((score) => {
    let row = rows.get(score.contactId);
    if (!row) {
      const versions = stored.get(score.contactId);
      if (!versions) return false;
      row = { versions: { ...versions }, write: { contactId: score.contactId, tier: null, churn: null } };
      rows.set(score.contactId, row);
    }
    const { versions, write } = row;
    const takesTier = score.tier !== undefined && (versions.tierAt === null || versions.tierAt <= score.at);
    const takesChurn = score.churn !== undefined && (versions.churnAt === null || versions.churnAt <= score.at);
    if (takesTier && score.tier) {
      versions.tierAt = score.at;
      write.tier = { ...score.tier, at: score.at };
    }
    if (takesChurn && score.churn) {
      versions.churnAt = score.at;
      write.churn = { ...score.churn, at: score.at };
    }
    return takesTier || takesChurn;
  });
  const writes = [...rows.values()].map((r) => r.write).filter((w) => w.tier !== null || w.churn !== null);
  return { applied, writes };
}
