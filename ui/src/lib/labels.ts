// Human words for every API enum, and one tone (colour) per status, used everywhere a value is
// shown: tables, pills, filters, the timeline, notifications. Unknown values (Kustom may add
// some) are shown as sent, in the neutral tone, rather than hidden.
import { m } from "./i18n.svelte";

export type Tone = "success" | "info" | "warning" | "danger" | "neutral";

export interface Label {
  label: string;
  tone: Tone;
  /** One sentence a store manager understands, where the label alone is not enough. */
  explanation?: string;
}

const unknown = (value: string): Label => ({ label: value, tone: "neutral" });

export const PLATFORMS = ["IOS", "ANDROID", "TERMINAL"] as const;

export function platformLabel(platform: string): string {
  switch (platform) {
    case "IOS":
      return m.platform_ios();
    case "ANDROID":
      return m.platform_android();
    case "TERMINAL":
      return m.platform_terminal();
    default:
      return platform;
  }
}

export const SESSION_STATUSES = ["CREATED", "ACTIVE", "FINALIZED", "CANCELLED", "EXPIRED", "FAILED"] as const;

export function sessionStatus(status: string): Label {
  switch (status) {
    case "CREATED":
      return { label: m.session_created(), tone: "info", explanation: m.session_created_explained() };
    case "ACTIVE":
      return { label: m.session_active(), tone: "info", explanation: m.session_active_explained() };
    case "FINALIZED":
      return { label: m.session_finalized(), tone: "success", explanation: m.session_finalized_explained() };
    case "CANCELLED":
      return { label: m.session_cancelled(), tone: "neutral", explanation: m.session_cancelled_explained() };
    case "EXPIRED":
      return { label: m.session_expired(), tone: "warning", explanation: m.session_expired_explained() };
    case "FAILED":
      return { label: m.session_failed(), tone: "danger", explanation: m.session_failed_explained() };
    default:
      return unknown(status);
  }
}

export function enrollmentStatus(status: string): Label {
  switch (status) {
    case "PENDING":
      return { label: m.enrollment_pending(), tone: "info" };
    case "CONSUMED":
      return { label: m.enrollment_consumed(), tone: "success" };
    case "EXPIRED":
      return { label: m.enrollment_expired(), tone: "warning" };
    case "CANCELLED":
      return { label: m.enrollment_cancelled(), tone: "neutral" };
    default:
      return unknown(status);
  }
}

export const TAP_OUTCOMES = [
  "SUCCESS",
  "DECLINED_GENERIC",
  "INSUFFICIENT_FUNDS",
  "LOST_CARD",
  "STOLEN_CARD",
  "EXPIRED_CARD",
  "INCORRECT_CVC",
  "PROCESSING_ERROR",
  "INCORRECT_NUMBER",
  "CARD_VELOCITY_EXCEEDED",
] as const;

/** A card tap's outcome, or why a payment attempt failed (the same codes [DOC §10.1, §11.2]). */
export function tapOutcome(outcome: string): Label {
  switch (outcome) {
    case "SUCCESS":
      return { label: m.tap_success(), tone: "success", explanation: m.tap_success_explained() };
    case "DECLINED_GENERIC":
      return { label: m.tap_declined(), tone: "danger", explanation: m.tap_declined_explained() };
    case "INSUFFICIENT_FUNDS":
      return { label: m.tap_insufficient_funds(), tone: "danger", explanation: m.tap_insufficient_funds_explained() };
    case "LOST_CARD":
      return { label: m.tap_lost_card(), tone: "danger", explanation: m.tap_lost_card_explained() };
    case "STOLEN_CARD":
      return { label: m.tap_stolen_card(), tone: "danger", explanation: m.tap_stolen_card_explained() };
    case "EXPIRED_CARD":
      return { label: m.tap_expired_card(), tone: "danger", explanation: m.tap_expired_card_explained() };
    case "INCORRECT_CVC":
      return { label: m.tap_incorrect_cvc(), tone: "danger", explanation: m.tap_incorrect_cvc_explained() };
    case "PROCESSING_ERROR":
      return { label: m.tap_processing_error(), tone: "danger", explanation: m.tap_processing_error_explained() };
    case "INCORRECT_NUMBER":
      return { label: m.tap_incorrect_number(), tone: "danger", explanation: m.tap_incorrect_number_explained() };
    case "CARD_VELOCITY_EXCEEDED":
      return { label: m.tap_velocity(), tone: "danger", explanation: m.tap_velocity_explained() };
    default:
      return { ...unknown(outcome), tone: "danger" };
  }
}

export function eventSource(source: string): string {
  switch (source) {
    case "app":
      return m.source_app();
    case "callback":
      return m.source_callback();
    case "poll":
      return m.source_poll();
    default:
      return source;
  }
}

/** What the callback receiver decided about a delivery. */
export function deliveryVerdict(verdict: string): Label {
  switch (verdict) {
    case "accepted":
      return { label: m.verdict_accepted(), tone: "success" };
    case "duplicate":
      return { label: m.verdict_duplicate(), tone: "neutral", explanation: m.verdict_duplicate_explained() };
    case "unsupported":
      return { label: m.verdict_unsupported(), tone: "neutral", explanation: m.verdict_unsupported_explained() };
    case "forged":
      return { label: m.verdict_forged(), tone: "danger", explanation: m.verdict_forged_explained() };
    case "stale":
      return { label: m.verdict_stale(), tone: "warning", explanation: m.verdict_stale_explained() };
    case "too_large":
      return { label: m.verdict_too_large(), tone: "danger" };
    case "malformed":
      return { label: m.verdict_malformed(), tone: "danger" };
    case "unrecorded":
      return { label: m.verdict_unrecorded(), tone: "warning", explanation: m.verdict_unrecorded_explained() };
    default:
      return unknown(verdict);
  }
}

/** Names of environments, as the badge and the profile form show them. */
export function environmentLabel(environment: string): string {
  switch (environment) {
    case "local_playground":
      return m.env_local_playground();
    case "kustom_playground":
      return m.env_kustom_playground();
    case "kustom_production":
      return m.env_kustom_production();
    default:
      return environment;
  }
}
