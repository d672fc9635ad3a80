//! Pairing cards: what a clerk needs to enroll a phone, on screen and on paper.
//!
//! A card has the store, the device label, the code (large, grouped for reading aloud), a QR code
//! of it, the expiry time and three short steps, all worded by [`crate::enrollments::card_text`] in the card's
//! language. The QR comes from the `qrcode` crate; the PDF from `printpdf`, with the code and all
//! words as real text (searchable, copyable) in an embedded DejaVu Sans subset (`fonts/`): the
//! PDF standard fonts have no reliable glyphs for å, ä, ö, æ, ø outside WinAnsi, and a card must
//! print the same on every printer.

use chrono::{DateTime, Utc};
use printpdf::{
    BuiltinFont, Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem,
    WindingOrder,
};
use qrcode::{Color as Module, QrCode};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::AppError;
use crate::enrollments::card_text::{CardText, card_text};
use crate::locale::{FormatLocale, Language};

/// One card's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PairingCard {
    pub location_name: String,
    pub device_label: Option<String>,
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Paper sizes for sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    A4,
    UsLetter,
}

impl Paper {
    fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::UsLetter => (215.9, 279.4),
        }
    }
}

/// Cards per page: two columns, four rows.
pub const CARDS_PER_PAGE: usize = 8;
const COLUMNS: usize = 2;
const ROWS: usize = 4;
const MARGIN_X: f32 = 12.0;
const MARGIN_Y: f32 = 14.0;

/// `ABCD EFGH`: the code in two groups, for reading aloud.
pub fn grouped(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn qr(code: &str) -> Result<QrCode, AppError> {
    QrCode::new(code.as_bytes())
        .map_err(|err| AppError::internal(format!("could not make a QR code: {err}")))
}

/// The QR code of `code` as an SVG document that scales crisply to any size.
pub fn qr_svg(code: &str) -> Result<String, AppError> {
    Ok(qr(code)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#0f1b2d"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// A card with everything the screen, the print layout and the PDF draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct PrintableCard {
    pub card: PairingCard,
    pub code_grouped: String,
    pub qr_svg: String,
    pub text: CardText,
}

/// The cards ready to draw, worded in `language` with dates as `format` writes them.
/// The most cards one print or PDF holds: a rollout's rows.
pub const MAX_CARDS: usize = crate::enrollments::rollout::MAX_ROWS;

fn check_count(cards: &[PairingCard]) -> Result<(), AppError> {
    if cards.len() > MAX_CARDS {
        return Err(AppError::invalid_field(
            "cards",
            format!("At most {MAX_CARDS} pairing cards at once."),
        ));
    }
    Ok(())
}

pub fn printable(
    cards: Vec<PairingCard>,
    language: Language,
    format: FormatLocale,
) -> Result<Vec<PrintableCard>, AppError> {
    check_count(&cards)?;
    cards
        .into_iter()
        .map(|card| {
            Ok(PrintableCard {
                code_grouped: grouped(&card.code),
                qr_svg: qr_svg(&card.code)?,
                text: card_text(
                    card.device_label.as_deref(),
                    card.expires_at,
                    language,
                    format,
                ),
                card,
            })
        })
        .collect()
}

/// DejaVu Sans (regular and bold), subset to Latin; see `fonts/LICENSE-DejaVu.txt`.
const SANS: &[u8] = include_bytes!("../../fonts/DejaVuSans-Latin.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold-Latin.ttf");

/// The embedded fonts of one document.
struct Fonts {
    regular: PdfFontHandle,
    bold: PdfFontHandle,
}

impl Fonts {
    fn add_to(doc: &mut PdfDocument) -> Result<Self, AppError> {
        let mut add = |bytes: &[u8], name: &str| -> Result<FontId, AppError> {
            let mut warnings = Vec::new();
            let font = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| {
                AppError::internal(format!("the embedded font {name} could not be read"))
            })?;
            Ok(doc.add_font(&font))
        };
        Ok(Self {
            regular: PdfFontHandle::External(add(SANS, "DejaVu Sans")?),
            bold: PdfFontHandle::External(add(SANS_BOLD, "DejaVu Sans Bold")?),
        })
    }
}

/// A PDF of the cards, eight per page with cut marks.
pub fn sheet_pdf(cards: &[PrintableCard], paper: Paper, title: &str) -> Result<Vec<u8>, AppError> {
    if cards.is_empty() {
        return Err(AppError::invalid_field(
            "cards",
            "Choose at least one code to print.",
        ));
    }
    let (page_w, page_h) = paper.size();
    let card_w = (page_w - 2.0 * MARGIN_X) / COLUMNS as f32;
    let card_h = (page_h - 2.0 * MARGIN_Y) / ROWS as f32;
    let mut doc = PdfDocument::new(title);
    let fonts = Fonts::add_to(&mut doc)?;
    let mut pages = Vec::new();
    for chunk in cards.chunks(CARDS_PER_PAGE) {
        let mut ops = cut_marks(page_w, page_h, card_w, card_h);
        for (index, card) in chunk.iter().enumerate() {
            let column = index % COLUMNS;
            let row = index / COLUMNS;
            let left = MARGIN_X + column as f32 * card_w;
            let top = page_h - MARGIN_Y - row as f32 * card_h;
            ops.extend(card_ops(card, &fonts, left, top, card_w, card_h)?);
        }
        pages.push(PdfPage::new(Mm(page_w), Mm(page_h), ops));
    }
    let mut warnings = Vec::new();
    let bytes = doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings);
    Ok(bytes)
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point::new(Mm(x), Mm(y)),
        bezier: false,
    }
}

fn line(x1: f32, y1: f32, x2: f32, y2: f32) -> Op {
    Op::DrawLine {
        line: Line {
            points: vec![point(x1, y1), point(x2, y2)],
            is_closed: false,
        },
    }
}

fn grey(level: f32) -> Color {
    Color::Rgb(Rgb::new(level, level, level, None))
}

/// Short ticks in the margins where the cutting lines run, plus crosses where cards meet.
fn cut_marks(page_w: f32, page_h: f32, card_w: f32, card_h: f32) -> Vec<Op> {
    const TICK: f32 = 5.0;
    const CROSS: f32 = 2.5;
    let mut ops = vec![
        Op::SetOutlineColor { col: grey(0.55) },
        Op::SetOutlineThickness { pt: Pt(0.4) },
    ];
    for column in 0..=COLUMNS {
        let x = MARGIN_X + column as f32 * card_w;
        ops.push(line(
            x,
            page_h - MARGIN_Y + 1.5,
            x,
            page_h - MARGIN_Y + 1.5 + TICK,
        ));
        ops.push(line(x, MARGIN_Y - 1.5, x, MARGIN_Y - 1.5 - TICK));
    }
    for row in 0..=ROWS {
        let y = MARGIN_Y + row as f32 * card_h;
        ops.push(line(MARGIN_X - 1.5, y, MARGIN_X - 1.5 - TICK, y));
        ops.push(line(
            page_w - MARGIN_X + 1.5,
            y,
            page_w - MARGIN_X + 1.5 + TICK,
            y,
        ));
    }
    for column in 1..COLUMNS {
        for row in 1..ROWS {
            let (x, y) = (
                MARGIN_X + column as f32 * card_w,
                MARGIN_Y + row as f32 * card_h,
            );
            ops.push(line(x - CROSS, y, x + CROSS, y));
            ops.push(line(x, y - CROSS, x, y + CROSS));
        }
    }
    ops
}

fn text(font: &PdfFontHandle, size: f32, x: f32, y: f32, content: &str) -> Vec<Op> {
    vec![
        Op::StartTextSection,
        Op::SetFont {
            font: font.clone(),
            size: Pt(size),
        },
        Op::SetTextCursor {
            pos: Point::new(Mm(x), Mm(y)),
        },
        Op::ShowText {
            items: vec![TextItem::Text(content.to_owned())],
        },
        Op::EndTextSection,
    ]
}

/// Shortens text to `max` characters with an ellipsis (a character count keeps the layout
/// predictable; DejaVu Sans at these sizes fits the longest allowed in the card's width).
fn fit(content: &str, max: usize) -> String {
    if content.chars().count() <= max {
        content.to_owned()
    } else {
        let mut short: String = content.chars().take(max.saturating_sub(1)).collect();
        short.push('\u{2026}');
        short
    }
}

fn card_ops(
    printable: &PrintableCard,
    fonts: &Fonts,
    left: f32,
    top: f32,
    width: f32,
    height: f32,
) -> Result<Vec<Op>, AppError> {
    const PAD: f32 = 6.0;
    let (card, words) = (&printable.card, &printable.text);
    // The QR sits on the right, below the store name (which may use the full width).
    let qr_size = (height - 2.0 * PAD - 24.0).min(30.0);
    let text_left = left + PAD;
    let mut ops = vec![Op::SetFillColor { col: grey(0.06) }];
    ops.extend(text(
        &fonts.bold,
        11.0,
        text_left,
        top - PAD - 4.0,
        &fit(&card.location_name, 34),
    ));
    ops.push(Op::SetFillColor { col: grey(0.35) });
    ops.extend(text(
        &fonts.regular,
        9.0,
        text_left,
        top - PAD - 9.5,
        &fit(&words.device_label, 36),
    ));
    ops.push(Op::SetFillColor { col: grey(0.0) });
    // The code's alphabet is A–Z and 2–9: Courier (a standard font) has every glyph, and its
    // fixed width keeps the two groups aligned.
    ops.extend(text(
        &PdfFontHandle::Builtin(BuiltinFont::CourierBold),
        21.0,
        text_left,
        top - PAD - 20.0,
        &printable.code_grouped,
    ));
    ops.push(Op::SetFillColor { col: grey(0.35) });
    ops.extend(text(
        &fonts.regular,
        8.0,
        text_left,
        top - PAD - 26.5,
        &words.expiry,
    ));
    ops.push(Op::SetFillColor { col: grey(0.2) });
    for (index, step) in words.steps.iter().enumerate() {
        let y = top - height + PAD + 9.0 - index as f32 * 3.6;
        let numbered = format!("{}. {step}", index + 1);
        ops.extend(text(&fonts.regular, 7.0, text_left, y, &numbered));
    }
    let qr_left = left + width - PAD - qr_size;
    let qr_top = top - PAD - 12.0;
    ops.extend(qr_ops(&card.code, qr_left, qr_top, qr_size)?);
    Ok(ops)
}

/// The QR modules as one filled polygon (one ring per dark module).
fn qr_ops(code: &str, left: f32, top: f32, size: f32) -> Result<Vec<Op>, AppError> {
    let qr = qr(code)?;
    let width = qr.width();
    let colors = qr.to_colors();
    let module = size / width as f32;
    let mut rings = Vec::new();
    for (index, color) in colors.iter().enumerate() {
        if *color != Module::Dark {
            continue;
        }
        let (x, y) = ((index % width) as f32, (index / width) as f32);
        let (x0, y0) = (left + x * module, top - (y + 1.0) * module);
        let (x1, y1) = (x0 + module, y0 + module);
        rings.push(PolygonRing {
            points: vec![point(x0, y0), point(x1, y0), point(x1, y1), point(x0, y1)],
        });
    }
    Ok(vec![
        Op::SetFillColor { col: grey(0.0) },
        Op::DrawPolygon {
            polygon: Polygon {
                rings,
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(code: &str) -> PairingCard {
        PairingCard {
            location_name: "Göteborg Nordstan".into(),
            device_label: Some("Till 3".into()),
            code: code.into(),
            expires_at: Utc::now(),
        }
    }

    #[test]
    fn codes_are_grouped_for_reading_aloud() {
        assert_eq!(grouped("ABCDEFGH"), "ABCD EFGH");
        assert_eq!(grouped("ABC"), "ABC");
    }

    #[test]
    fn the_qr_svg_is_a_scalable_svg() {
        let svg = qr_svg("ABCDEFGH").unwrap_or_else(|e| panic!("{e}"));
        assert!(svg.contains("<svg") && svg.contains("viewBox"), "{svg}");
    }

    #[test]
    fn a_sheet_has_one_page_per_eight_cards() {
        let cards: Vec<PairingCard> = (0..10).map(|i| card(&format!("CODE{i:04}"))).collect();
        let cards =
            printable(cards, Language::Sv, FormatLocale::SvSe).unwrap_or_else(|e| panic!("{e}"));
        let pdf = sheet_pdf(&cards, Paper::A4, "Rollout").unwrap_or_else(|e| panic!("{e}"));
        assert!(pdf.starts_with(b"%PDF"));
        let mut warnings = Vec::new();
        let parsed = PdfDocument::parse(&pdf, &printpdf::PdfParseOptions::default(), &mut warnings)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.pages.len(), 2);
        // Every code is there as text, grouped as printed, with the store's name.
        let text = parsed.extract_text().concat().join("\n");
        for i in 0..10 {
            assert!(text.contains(&grouped(&format!("CODE{i:04}"))), "{text}");
        }
        assert!(text.contains("Göteborg Nordstan"), "{text}");
        assert!(
            text.contains(&cards[0].text.steps[0]),
            "the Swedish steps: {text}"
        );
        assert!(sheet_pdf(&[], Paper::UsLetter, "x").is_err());
    }

    #[test]
    fn a_norwegian_sheet_embeds_a_font_with_the_nordic_letters() {
        let mut one = card("ABCD2345");
        one.location_name = "Tromsø Ærlig Kjøkken".into();
        one.device_label = Some("Kasse på lageret".into());
        let cards = printable(vec![one], Language::Nb, FormatLocale::NbNo)
            .unwrap_or_else(|e| panic!("{e}"));
        let pdf = sheet_pdf(&cards, Paper::A4, "Utrulling").unwrap_or_else(|e| panic!("{e}"));
        if let Ok(path) = std::env::var("FLEETDESK_KEEP_PDF") {
            std::fs::write(path, &pdf).unwrap_or_else(|e| panic!("{e}"));
        }
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/FontFile2"), "no embedded TrueType font");
        let mut warnings = Vec::new();
        let parsed = PdfDocument::parse(&pdf, &printpdf::PdfParseOptions::default(), &mut warnings)
            .unwrap_or_else(|e| panic!("{e}"));
        let text = parsed.extract_text().concat().join("\n");
        for expected in [
            "Tromsø Ærlig Kjøkken",
            "Kasse på lageret",
            cards[0].text.steps[0].as_str(),
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
    }
}
