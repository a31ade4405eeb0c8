import type { EventEnvelope } from '../envelope';

/** A product as sales publishes it. */
export interface ProductSnapshotV1 {
  id: string;
  code: string;
  name: string;
  description: string | null;
  unit: string;
  active: boolean;
}

/** `standardPrices`: the unit prices put in the standard price book with it, one per currency. */
export const PRODUCT_CREATED = 'sales.product.created' as const;
export type ProductCreatedV1 = EventEnvelope<
  typeof PRODUCT_CREATED,
  { product: ProductSnapshotV1; standardPrices: { amount: string; currency: string }[] }
>;

/** `product` is the whole product after the change; `changed` names the fields that changed. */
export const PRODUCT_UPDATED = 'sales.product.updated' as const;
export type ProductUpdatedV1 = EventEnvelope<typeof PRODUCT_UPDATED, { product: ProductSnapshotV1; changed: string[] }>;

export interface PriceBookSnapshotV1 {
  id: string;
  name: string;
  isStandard: boolean;
  active: boolean;
}

export const PRICE_BOOK_CREATED = 'sales.price_book.created' as const;
export type PriceBookCreatedV1 = EventEnvelope<typeof PRICE_BOOK_CREATED, { priceBook: PriceBookSnapshotV1 }>;

/** Unit prices set (inserted or replaced per product and currency) in one price book; exact decimal amounts. */
export const PRICES_SET = 'sales.price_book.prices_set' as const;
export type PricesSetV1 = EventEnvelope<
  typeof PRICES_SET,
  { priceBookId: string; prices: { productId: string; amount: string; currency: string }[] }
>;

/** A pipeline and its active stages in order, as sales publishes it. */
export interface PipelineSnapshotV1 {
  id: string;
  name: string;
  isDefault: boolean;
  stages: { id: string; name: string; position: number; probability: number; forecastCategory: string }[];
}

export const PIPELINE_CREATED = 'sales.pipeline.created' as const;
export type PipelineCreatedV1 = EventEnvelope<typeof PIPELINE_CREATED, { pipeline: PipelineSnapshotV1 }>;

/** The whole pipeline after a change of its name, default or stages. */
export const PIPELINE_UPDATED = 'sales.pipeline.updated' as const;
export type PipelineUpdatedV1 = EventEnvelope<typeof PIPELINE_UPDATED, { pipeline: PipelineSnapshotV1 }>;

/** The sales settings a tenant's managers choose, each published whole when it changes. */
export type SalesSettingV1 = 'duplicateRules' | 'accountDuplicateRules' | 'leadScoringRules' | 'leadAssignmentRules';

/** One of the tenant's sales settings changed; `value` is the whole setting after the change (subject: the tenant). */
export const SALES_SETTINGS_CHANGED = 'sales.settings.changed' as const;
export type SalesSettingsChangedV1 = EventEnvelope<typeof SALES_SETTINGS_CHANGED, { setting: SalesSettingV1; value: unknown }>;
