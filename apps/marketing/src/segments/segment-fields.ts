import { Injectable } from '@nestjs/common';
import type { Principal } from '@rapport/auth';
import { ServiceDatabase } from '@rapport/service-kit';
import { requireMarketingRead } from '../access/marketing-access';
import { MarketingSettings } from '../settings/marketing-settings';
import { DEFAULT_CATALOG, fieldOperators, type EnumOption } from './rules';

export interface SegmentFieldView {
  name: string;
  type: string;
  operators: string[];
  values: string[] | null;
  description: string;
}

/** The rule language's fields for a front end's rule builder, with the tenant's tiers as values. */
@Injectable()
export class SegmentFields {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly settings: MarketingSettings,
  ) {}

  async list(principal: Principal): Promise<SegmentFieldView[]> {
    requireMarketingRead(principal);
    const context = await this.db.withTenant(principal.tenantId, (em) => this.settings.ruleContext(em, principal.tenantId));
    const fields: SegmentFieldView[] = [];
    for (const [name, def] of DEFAULT_CATALOG.fields) {
      if (def.journeyOnly) continue;
      let values: string[] | null = null;
      if (def.type === 'enum') {
        const options: readonly EnumOption[] | undefined = typeof def.options === 'function' ? def.options(context) : def.options;
        values = options ? options.map((o) => o.label ?? o.value) : null;
      }
      fields.push({ name, type: def.type, operators: [...fieldOperators(def)], values, description: def.description });
    }
    for (const family of DEFAULT_CATALOG.families) {
      if (family.journeyOnly) continue;
      fields.push({
        name: `${family.prefix}<key>`,
        type: family.type,
        operators: [...fieldOperators(family)],
        values: null,
        description: family.description,
      });
    }
    return fields;
  }
}
