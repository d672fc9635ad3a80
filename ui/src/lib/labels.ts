// Human words for every API enum, and one tone (colour) per status, used everywhere a value is
// shown: tables, pills, filters, the timeline, notifications. Unknown values (Kustom may add
// some) are shown as sent, in the neutral tone, rather than hidden.
import { m } from "./i18n.svelte";
import type { JobOutcome } from "./ipc";

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

/** What an activity log entry records, in words (the log's own name when it has none here). */
export function activityAction(action: string): Label {
  switch (action) {
    case "device.rename":
      return { label: m.action_device_rename(), tone: "info" };
    case "device.move":
      return { label: m.action_device_move(), tone: "info" };
    case "device.metadata":
      return { label: m.action_device_metadata(), tone: "info" };
    case "device.deregister":
      return { label: m.action_device_deregister(), tone: "danger" };
    case "device.paired":
      return { label: m.action_device_paired(), tone: "success" };
    case "device.bulk":
      return { label: m.action_device_bulk(), tone: "info" };
    case "job.start":
      return { label: m.action_job_start(), tone: "info" };
    case "job.pause":
      return { label: m.action_job_pause(), tone: "neutral" };
    case "job.resume":
      return { label: m.action_job_resume(), tone: "neutral" };
    case "job.cancel":
      return { label: m.action_job_cancel(), tone: "warning" };
    case "job.retry":
      return { label: m.action_job_retry(), tone: "neutral" };
    case "job.finish":
      return { label: m.action_job_finish(), tone: "success" };
    case "device.export_csv":
      return { label: m.action_device_export(), tone: "neutral" };
    case "device.simulate":
      return { label: m.action_device_simulate(), tone: "neutral" };
    case "sync.device_appeared":
      return { label: m.action_sync_appeared(), tone: "warning", explanation: m.action_sync_explained() };
    case "sync.device_disappeared":
      return { label: m.action_sync_disappeared(), tone: "warning", explanation: m.action_sync_explained() };
    case "sync.device_renamed":
      return { label: m.action_sync_renamed(), tone: "warning", explanation: m.action_sync_explained() };
    case "sync.device_moved":
      return { label: m.action_sync_moved(), tone: "warning", explanation: m.action_sync_explained() };
    case "sync.device_metadata":
      return { label: m.action_sync_metadata(), tone: "warning", explanation: m.action_sync_explained() };
    case "enrollment.create":
      return { label: m.action_enrollment_create(), tone: "neutral" };
    case "enrollment.cancel":
      return { label: m.action_enrollment_cancel(), tone: "neutral" };
    case "enrollment.simulate_clerk":
      return { label: m.action_enrollment_simulate(), tone: "neutral" };
    case "rollout.create":
      return { label: m.action_rollout_create(), tone: "neutral" };
    case "rollout.run":
      return { label: m.action_rollout_run(), tone: "neutral" };
    case "session.cancel":
      return { label: m.action_session_cancel(), tone: "neutral" };
    case "session.test_payment":
      return { label: m.action_session_test(), tone: "neutral" };
    case "profile.create":
      return { label: m.action_profile_create(), tone: "neutral" };
    case "profile.delete":
      return { label: m.action_profile_delete(), tone: "neutral" };
    case "profile.duplicate":
      return { label: m.action_profile_duplicate(), tone: "neutral" };
    case "connection.test":
      return { label: m.action_connection_test(), tone: "neutral" };
    case "playground.reset":
      return { label: m.action_playground_reset(), tone: "neutral" };
    case "log.pruned":
      return { label: m.action_log_pruned(), tone: "neutral" };
    default:
      return unknown(action);
  }
}

/** Where a job is, in words. */
export function jobState(state: string): Label {
  switch (state) {
    case "running":
      return { label: m.job_running(), tone: "info" };
    case "paused":
      return { label: m.job_paused(), tone: "warning" };
    case "cancelled":
      return { label: m.job_cancelled(), tone: "neutral" };
    case "finished":
      return { label: m.job_finished(), tone: "success" };
    default:
      return unknown(state);
  }
}

/** What happened to one device of a job (`null`: not settled yet). */
export function jobOutcome(outcome: JobOutcome | null): Label {
  if (outcome === null) return { label: m.job_outcome_waiting(), tone: "neutral" };
  switch (outcome.kind) {
    case "changed":
      return { label: m.job_outcome_changed(), tone: "success" };
    case "settled_after_lost_answer":
      return { label: m.job_outcome_changed(), tone: "success", explanation: m.job_outcome_settled_explained() };
    case "already_as_asked":
      return { label: m.job_outcome_already(), tone: "neutral" };
    case "gone":
      return { label: m.job_outcome_gone(), tone: "neutral" };
    case "changed_elsewhere":
      return { label: m.job_outcome_elsewhere(), tone: "warning", explanation: m.job_outcome_elsewhere_explained() };
    case "cancelled":
      return { label: m.job_outcome_cancelled(), tone: "neutral" };
    case "failed":
      return { label: m.job_outcome_failed(), tone: "danger" };
  }
}

/** Who an entry comes from, in words. */
export function activityWho(source: string, osUser: string): string {
  switch (source) {
    case "sync":
      return m.who_outside();
    case "fleetdesk":
      return m.who_fleetdesk();
    case "cli":
      return m.who_cli({ user: osUser });
    default:
      return osUser;
  }
}

/** Where a device's last activity is known from, in words. */
export function activitySourceLabel(source: string): string {
  switch (source) {
    case "paired":
      return m.last_activity_paired();
    case "payment":
      return m.last_activity_payment();
    case "change":
      return m.last_activity_change();
    default:
      return source;
  }
}
