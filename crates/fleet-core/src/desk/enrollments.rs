//! Enrollments and rollouts through the [`Desk`]: create, list, find again, cancel, simulate a
//! clerk, pairing cards, and batches.

use std::collections::HashMap;
use std::path::Path;

use chrono::Utc;
use kustom_ipp::{
    Client, CreateEnrollment, Device, DeviceQuery, Enrollment, EnrollmentQuery, EnrollmentStatus,
    Location, MetadataFilter, PageRequest, Platform, RegisterDevice,
};
use serde::Serialize;
use specta::Type;

use super::plans::Kept;
use super::{Desk, blocking};
use crate::AppError;
use crate::audit::NewEntry;
use crate::enrollments::card::{self, PairingCard, Paper, PrintableCard};
use crate::enrollments::codes::{
    DEVICE_LABEL_KEY, EnrollmentDraft, EnrollmentFilters, ExpiryPreset, build_request, gone_status,
    query_to_find,
};
use crate::enrollments::issued::{code_ref, new_code_ref};
use crate::enrollments::rollout::{self, BatchDetail, BatchProgress, BatchSummary, RolloutPreview};
use crate::locale::Language;
use crate::profiles::guard::{ProductionAction, ProductionChange};
use crate::profiles::{Environment, Profile};
use crate::storage::storage;

/// An enrollment as the list and the pairing view show it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct EnrollmentView {
    pub enrollment: Enrollment,
    /// The location the code is for: the one Fleetdesk chose when it made the code (kept
    /// locally; the API does not promise it back [GAP §5.1]). `None` for a code made elsewhere.
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub device_label: Option<String>,
    /// `ABCD EFGH`.
    pub code_grouped: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct EnrollmentPage {
    pub items: Vec<EnrollmentView>,
    pub total_elements: u32,
    pub total_pages: u32,
    pub page_number: u32,
}

/// The device a paired code paired with, as far as Fleetdesk can tell from documented facts.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PairedDevice {
    /// Found by the reference the code carries in its metadata, which the docs say is copied
    /// onto the device [DOC §3.4]; its store is the device's location.
    Found {
        device: Box<Device>,
        location_name: Option<String>,
    },
    /// Paired, but Kustom does not list a device with the code's reference yet: looked for again
    /// at every refresh.
    NotFoundYet,
    /// Paired, but the code was not made by Fleetdesk: nothing tells its device apart.
    NotTraceable,
    /// The device that paired has been deregistered since.
    Deregistered { device_id: String },
}

/// Everything the pairing view draws.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PairingDetails {
    pub view: EnrollmentView,
    /// Once the code is CONSUMED: the device that paired.
    pub paired: Option<PairedDevice>,
    /// The card as the screen shows it (and prints it): QR, grouped code, the clerk's steps.
    pub card: PrintableCard,
    /// Whether "Simulate a clerk" is available (the local playground's simulator).
    pub can_simulate_clerk: bool,
}

/// A rollout's preview, kept in Rust under `plan_id` until it is created.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RolloutDraft {
    pub plan_id: String,
    pub preview: RolloutPreview,
}

/// A checked preview and the profile it was made for.
#[derive(Clone)]
pub(crate) struct RolloutPlan {
    pub(super) profile_id: String,
    preview: RolloutPreview,
}

/// The plans the Desk keeps between a preview and its run.
#[derive(Default)]
pub(crate) struct Plans {
    pub rollouts: Kept<RolloutPlan>,
    pub jobs: Kept<super::jobs::StoredJobPlan>,
}

/// The longest rollout name.
const MAX_ROLLOUT_NAME: usize = 80;

impl Desk {
    /// The enrollments as the UI shows them, each with the location Fleetdesk made it for.
    async fn views(
        &self,
        profile: &Profile,
        enrollments: Vec<Enrollment>,
    ) -> Result<Vec<EnrollmentView>, AppError> {
        let locations = self.locations_of(profile).await?;
        let (issued, profile_id) = (self.issued.clone(), profile.id.clone());
        let ids: Vec<String> = enrollments
            .iter()
            .map(|e| e.enrollment_id.clone())
            .collect();
        let kept: HashMap<String, String> = blocking(move || {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            issued.find(&profile_id, &ids)
        })
        .await?
        .into_iter()
        .map(|code| (code.enrollment_id, code.location_id))
        .collect();
        Ok(enrollments
            .into_iter()
            .map(|enrollment| {
                // Ours first; a location the API happens to send is only a fallback [GAP §5.1].
                let location_id = kept
                    .get(&enrollment.enrollment_id)
                    .cloned()
                    .or_else(|| enrollment.location_id.clone());
                EnrollmentView {
                    location_name: location_id
                        .as_ref()
                        .and_then(|id| locations.get(id))
                        .map(|l| l.name.clone()),
                    location_id,
                    device_label: enrollment.metadata.get(DEVICE_LABEL_KEY).cloned(),
                    code_grouped: card::grouped(enrollment.enrollment_code.as_str()),
                    enrollment,
                }
            })
            .collect())
    }

    /// The device a consumed code paired with: the one remembered, or the one Kustom lists with
    /// the code's reference in its metadata [DOC §3.4].
    async fn paired_device(
        &self,
        profile: &Profile,
        client: &Client,
        enrollment: &Enrollment,
    ) -> Result<PairedDevice, AppError> {
        let (issued, profile_id, enrollment_id) = (
            self.issued.clone(),
            profile.id.clone(),
            enrollment.enrollment_id.clone(),
        );
        let remembered = blocking(move || issued.get(&profile_id, &enrollment_id))
            .await?
            .and_then(|code| code.device_id);
        let device = match remembered {
            Some(device_id) => match client.get_device(&device_id).await {
                Ok(device) => device,
                Err(kustom_ipp::ApiError::NotFound(_)) => {
                    return Ok(PairedDevice::Deregistered { device_id });
                }
                Err(err) => return Err(err.into()),
            },
            None => {
                let Some((key, value)) = code_ref(&enrollment.metadata) else {
                    return Ok(PairedDevice::NotTraceable);
                };
                let query = DeviceQuery {
                    location_id: None,
                    metadata: MetadataFilter::from_pairs([(key, value.to_owned())])?,
                };
                // The filter is the docs' [DOC §3.4]; the match is checked here too, so a
                // server that ignored it could not make another device look like this one.
                let found = client
                    .list_devices(&query, PageRequest::new(0, 10))
                    .await?
                    .content
                    .into_iter()
                    .find(|d| d.metadata.get(key).map(String::as_str) == Some(value));
                let Some(device) = found else {
                    return Ok(PairedDevice::NotFoundYet);
                };
                let (issued, profile_id, enrollment_id, device_id) = (
                    self.issued.clone(),
                    profile.id.clone(),
                    enrollment.enrollment_id.clone(),
                    device.id.clone(),
                );
                blocking(move || issued.paired(&profile_id, &enrollment_id, &device_id)).await?;
                // The device's history starts with the code it paired with.
                let paired = NewEntry::new(self.source, "device.paired", &device.name)
                    .profile(Some(profile))
                    .device(
                        &device.id,
                        &device.hardware_id,
                        device.location_id.as_deref(),
                    )
                    .change(None, device.location_id.as_deref())
                    .detail(Some(&format!(
                        "paired with the code whose reference is {value}"
                    )));
                let audit = self.audit.clone();
                if let Err(err) = blocking(move || audit.write(&[paired])).await {
                    tracing::warn!(%err, "could not write the activity log");
                }
                device
            }
        };
        let locations = self.locations_of(profile).await?;
        Ok(PairedDevice::Found {
            location_name: device
                .location_id
                .as_ref()
                .and_then(|id| locations.get(id))
                .map(|l| l.name.clone()),
            device: Box::new(device),
        })
    }

    async fn details(
        &self,
        profile: &Profile,
        client: &Client,
        enrollment: Enrollment,
    ) -> Result<PairingDetails, AppError> {
        let paired = match enrollment.status {
            EnrollmentStatus::Consumed => {
                Some(self.paired_device(profile, client, &enrollment).await?)
            }
            _ => None,
        };
        let view = self
            .views(profile, vec![enrollment])
            .await?
            .pop()
            .ok_or_else(|| AppError::internal("no enrollment to show"))?;
        let announced = self
            .recent_codes
            .remember(&profile.id, std::slice::from_ref(&view));
        self.announce_paired(announced);
        let locale = self.locale().await?;
        let card = PairingCard {
            location_name: view.location_name.clone().unwrap_or_default(),
            device_label: view.device_label.clone(),
            code: view.enrollment.enrollment_code.as_str().to_owned(),
            expires_at: view.enrollment.expires_at,
        };
        let card = card::printable(vec![card], locale.language, locale.format_locale)?
            .pop()
            .ok_or_else(|| AppError::internal("no card was made"))?;
        Ok(PairingDetails {
            view,
            paired,
            card,
            can_simulate_clerk: profile.environment == Environment::LocalPlayground,
        })
    }

    /// Creates a pairing code from the form. When the answer is lost, Fleetdesk looks for the
    /// code before saying anything: found, it is the result; not found, the error says so.
    pub async fn create_enrollment(
        &self,
        draft: &EnrollmentDraft,
    ) -> Result<PairingDetails, AppError> {
        let code_ref = new_code_ref();
        let request = build_request(draft, &code_ref)?;
        let (profile, client) = self.active_client().await?;
        let result = match client.create_enrollment(&request).await {
            Err(kustom_ipp::ApiError::OutcomeUnknown { cause, .. }) => {
                match find_created(&client, &request).await {
                    Some(found) => Ok(found),
                    None => Err(AppError::OutcomeUnknown {
                        message: format!(
                            "Kustom's answer was lost ({cause}) and the code is not in the list \
                             yet. Look at the code list in a minute before creating another one."
                        ),
                    }),
                }
            }
            other => other.map_err(AppError::from),
        };
        let target = draft
            .device_label
            .clone()
            .unwrap_or_else(|| draft.location_id.clone());
        self.audit_result(Some(&profile), "enrollment.create", &target, &result)
            .await;
        let created = result?;
        let (issued, profile_id, kept, location_id) = (
            self.issued.clone(),
            profile.id.clone(),
            created.clone(),
            request.location_id.clone().unwrap_or_default(),
        );
        blocking(move || issued.record(&profile_id, &kept, &location_id)).await?;
        self.details(&profile, &client, created).await
    }

    pub async fn list_enrollments(
        &self,
        filters: &EnrollmentFilters,
        page: PageRequest,
    ) -> Result<EnrollmentPage, AppError> {
        let query = filters.to_query()?;
        let (profile, client) = self.active_client().await?;
        let result = client.list_enrollments(&query, page).await?;
        let items = self.views(&profile, result.content).await?;
        let paired = self.recent_codes.remember(&profile.id, &items);
        self.announce_paired(paired);
        Ok(EnrollmentPage {
            total_elements: result.total_elements.clamp(0, i64::from(u32::MAX)) as u32,
            total_pages: result.total_pages.max(0) as u32,
            page_number: result.page_number.max(0) as u32,
            items,
        })
    }

    /// The current state of an enrollment the UI holds (there is no get-by-id in the API).
    pub async fn refresh_enrollment(&self, known: &Enrollment) -> Result<PairingDetails, AppError> {
        let (profile, client) = self.active_client().await?;
        let current = match find_listed(&client, known).await? {
            Some(found) => found,
            None => {
                // Expired and cancelled codes are never listed [DOC §5.3]: the clock tells which.
                let mut gone = known.clone();
                gone.status = gone_status(Some(known.expires_at), Utc::now());
                gone
            }
        };
        self.details(&profile, &client, current).await
    }

    /// Cancels a pending code. On production the cancellation is confirmed outside the page
    /// first, naming the code as Kustom has it (looked up here, not taken from the page).
    pub async fn cancel_enrollment(&self, known: &Enrollment) -> Result<(), AppError> {
        let (profile, client) = self.active_client().await?;
        if profile.is_production() {
            let live = find_listed(&client, known).await?.ok_or_else(|| {
                let message = match gone_status(Some(known.expires_at), Utc::now()) {
                    EnrollmentStatus::Expired => {
                        "That code has expired: it can no longer be used, so there is nothing to cancel."
                    }
                    _ => "That code is no longer listed: it was cancelled already.",
                };
                AppError::NotFound {
                    message: message.to_owned(),
                }
            })?;
            self.confirm_production(
                &profile,
                ProductionChange::new(
                    &profile,
                    ProductionAction::CancelCode {
                        code: card::grouped(live.enrollment_code.as_str()),
                    },
                ),
            )
            .await?;
        }
        let result = client
            .cancel_enrollment(&known.enrollment_id)
            .await
            .map_err(AppError::from);
        self.audit_result(
            Some(&profile),
            "enrollment.cancel",
            &known.enrollment_id,
            &result,
        )
        .await;
        result
    }

    /// Plays the clerk: registers a device with the code through the simulator's registration
    /// endpoint. Only on the local playground, whose simulator has that endpoint.
    pub async fn simulate_clerk(&self, code: &str) -> Result<Device, AppError> {
        let (profile, client) = self.active_client().await?;
        if profile.environment != Environment::LocalPlayground {
            return Err(AppError::Forbidden {
                message: "Simulating a clerk needs the local playground: Kustom's registration endpoint is only \
                          called by the POS app."
                    .to_owned(),
            });
        }
        let suffix: String = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
        let result = client
            .register_device(&RegisterDevice {
                enrollment_code: code.to_owned(),
                hardware_id: format!("SIM-{suffix}"),
                platform: Platform::Android,
                name: None,
            })
            .await
            .map(|registered| registered.device)
            .map_err(AppError::from);
        self.audit_result(
            Some(&profile),
            "enrollment.simulate_clerk",
            "pairing code",
            &result,
        )
        .await;
        result
    }

    /// Cards ready to draw, in `language` (the UI's language when not given).
    pub async fn printable_cards(
        &self,
        cards: Vec<PairingCard>,
        language: Option<Language>,
    ) -> Result<Vec<PrintableCard>, AppError> {
        let locale = self.locale().await?;
        // A card in the UI's language uses the UI's formats; a card in another language is for a
        // store elsewhere, and its dates follow that language's country.
        let (language, format) = match language {
            Some(chosen) if chosen != locale.language => (chosen, chosen.home_format()),
            _ => (locale.language, locale.format_locale),
        };
        card::printable(cards, language, format)
    }

    /// Writes a PDF of pairing cards to `path` (a place the user chose), atomically, in
    /// `language` (the UI's language when not given).
    pub async fn export_cards(
        &self,
        path: &Path,
        cards: Vec<PairingCard>,
        paper: Paper,
        language: Option<Language>,
        title: &str,
    ) -> Result<(), AppError> {
        let cards = self.printable_cards(cards, language).await?;
        let (path, title) = (path.to_path_buf(), title.to_owned());
        blocking(move || {
            let pdf = card::sheet_pdf(&cards, paper, &title)?;
            crate::storage::private_files::write_atomically(&path, &pdf)
                .map_err(|err| storage("save the PDF", err))
        })
        .await
    }

    // ---- Rollouts ----------------------------------------------------------------------------

    async fn draft(&self, profile: &Profile, preview: RolloutPreview) -> RolloutDraft {
        let plan_id = self.plans.rollouts.keep(RolloutPlan {
            profile_id: profile.id.clone(),
            preview: preview.clone(),
        });
        RolloutDraft { plan_id, preview }
    }

    pub async fn preview_rollout_csv(&self, text: &str) -> Result<RolloutDraft, AppError> {
        let profile = self.active_profile().await?;
        let locations: Vec<Location> = self
            .locations_of(&profile)
            .await?
            .values()
            .cloned()
            .collect();
        let preview = rollout::parse_csv(text, &locations)?;
        Ok(self.draft(&profile, preview).await)
    }

    pub async fn preview_rollout_generated(
        &self,
        location_id: &str,
        count: u32,
        label_prefix: &str,
    ) -> Result<RolloutDraft, AppError> {
        let profile = self.active_profile().await?;
        let locations = self.locations_of(&profile).await?;
        let location = locations
            .get(location_id)
            .ok_or_else(|| AppError::invalid_field("location_id", "Choose a location."))?;
        if label_prefix.chars().count() > rollout::MAX_LABEL_CHARS - 6 {
            return Err(AppError::invalid_field(
                "label_prefix",
                "Use a shorter label (the number is added to it).",
            ));
        }
        let preview = rollout::generate(location, count, label_prefix)?;
        Ok(self.draft(&profile, preview).await)
    }

    /// Saves a batch from a preview Fleetdesk made (`plan_id`), for the profile it was made for.
    pub async fn create_rollout(
        &self,
        plan_id: &str,
        name: &str,
        expiry: ExpiryPreset,
    ) -> Result<String, AppError> {
        if name.trim().chars().count() > MAX_ROLLOUT_NAME {
            return Err(AppError::invalid_field(
                "name",
                format!("Use at most {MAX_ROLLOUT_NAME} characters."),
            ));
        }
        // Taken before anything else: two calls with one preview cannot both create a batch.
        let plan = self
            .plans
            .rollouts
            .take(plan_id)
            .ok_or_else(|| AppError::Conflict {
                message: "That preview is no longer available (it was created, or is too old); \
                          preview the rollout again."
                    .to_owned(),
            })?;
        let profile = self.profile(&plan.profile_id).await?;
        let (rollouts, owned_name, profile_id, kept) = (
            self.rollouts.clone(),
            name.to_owned(),
            profile.id.clone(),
            plan.clone(),
        );
        let id =
            blocking(move || rollouts.create(&profile_id, &owned_name, expiry, &kept.preview.rows))
                .await;
        if id.is_err() {
            // Nothing was created: the same preview may be tried again.
            self.plans.rollouts.put_back(plan_id, plan);
        }
        self.audit_result(Some(&profile), "rollout.create", name, &id)
            .await;
        id
    }

    /// Creates the batch's missing codes (also resumes and retries), reporting progress — with
    /// the account of the profile the batch was made for, whichever profile is active now.
    pub async fn run_rollout(
        &self,
        batch_id: &str,
        progress: impl FnMut(BatchProgress),
    ) -> Result<BatchDetail, AppError> {
        let (profile, client) = self.batch_client(batch_id).await?;
        let result = self.rollouts.run(&client, batch_id, progress).await;
        let detail = result
            .as_ref()
            .map(|d| format!("{} created, {} failed", d.summary.created, d.summary.failed));
        self.audit_detail(
            Some(&profile),
            "rollout.run",
            batch_id,
            result.as_ref().err(),
            detail.as_deref().ok(),
        )
        .await;
        result
    }

    async fn batch_client(&self, batch_id: &str) -> Result<(Profile, Client), AppError> {
        let (rollouts, id) = (self.rollouts.clone(), batch_id.to_owned());
        let profile_id = blocking(move || rollouts.profile_of(&id)).await?;
        self.client_of(&profile_id).await
    }

    pub async fn rollouts(&self) -> Result<Vec<BatchSummary>, AppError> {
        let profile = self.active_profile().await?;
        let rollouts = self.rollouts.clone();
        blocking(move || rollouts.list(&profile.id)).await
    }

    pub async fn rollout(&self, batch_id: &str) -> Result<BatchDetail, AppError> {
        let (rollouts, id) = (self.rollouts.clone(), batch_id.to_owned());
        blocking(move || rollouts.detail(&id)).await
    }

    pub async fn reconcile_rollout(&self, batch_id: &str) -> Result<BatchDetail, AppError> {
        let (_, client) = self.batch_client(batch_id).await?;
        self.rollouts.reconcile(&client, batch_id).await
    }

    /// The batch's pending codes as cards (spent codes are purged and not printed).
    pub async fn rollout_cards(&self, batch_id: &str) -> Result<Vec<PairingCard>, AppError> {
        let detail = self.rollout(batch_id).await?;
        Ok(detail
            .rows
            .into_iter()
            .filter_map(|row| {
                Some(PairingCard {
                    location_name: row.location_name,
                    device_label: row.device_label,
                    code: row.code?,
                    expires_at: row.expires_at?,
                })
            })
            .collect())
    }
}

/// The enrollment the UI holds, as Kustom lists it now (`None` once expired or cancelled: never
/// listed [DOC §5.3]).
async fn find_listed(client: &Client, known: &Enrollment) -> Result<Option<Enrollment>, AppError> {
    let query = query_to_find(known);
    let mut page = PageRequest::new(0, PageRequest::MAX_SIZE);
    loop {
        let result = client.list_enrollments(&query, page).await?;
        let last = result.last || result.content.is_empty();
        if let Some(found) = result
            .content
            .into_iter()
            .find(|e| e.enrollment_id == known.enrollment_id)
        {
            return Ok(Some(found));
        }
        if last || page.page_number >= 20 {
            return Ok(None);
        }
        page.page_number += 1;
    }
}

/// After a lost answer: the enrollment carrying the request's own reference, if it was made.
async fn find_created(client: &Client, request: &CreateEnrollment) -> Option<Enrollment> {
    let metadata = request.metadata.clone().unwrap_or_default();
    let (key, value) = code_ref(&metadata)?;
    let query = EnrollmentQuery {
        location_id: request.location_id.clone(),
        metadata: MetadataFilter::from_pairs([(key, value.to_owned())]).ok()?,
        include_consumed: Some(true),
    };
    client
        .list_enrollments(&query, PageRequest::new(0, 10))
        .await
        .ok()?
        .content
        .into_iter()
        .find(|e| e.metadata.get(key).map(String::as_str) == Some(value))
}
