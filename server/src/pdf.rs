//! Printable documents (the result's protocol) as PDF, written with
//! `pdf-writer`: A4 pages of lines of text and simple tables, in the PDF
//! standard fonts (Helvetica, Helvetica-Bold and Courier), which every
//! reader has, so nothing is embedded and the file stays small.
//!
//! Text is encoded in WinAnsiEncoding: every Latin-1 letter (å, ä, ö, æ,
//! ø, é, ü, …) and the usual punctuation. A character the encoding does
//! not have is printed as `?`.
//!
//! Widths are Helvetica's own for digits and the space (556 and 278
//! thousandths of the size), so numbers align on the right; other text is
//! wrapped by a conservative estimate of its width.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A4, in points.
const WIDTH: f32 = 595.0;
/// A4, in points.
const HEIGHT: f32 = 842.0;
/// The margin on every side.
pub const MARGIN: f32 = 56.0;
/// Where the text of a page may go, across.
pub const TEXT_WIDTH: f32 = WIDTH - 2.0 * MARGIN;

/// The fonts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
    /// Courier, for digests.
    Mono,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Mono => Name(b"F3"),
        }
    }

    /// The width of `text` at `size`: exact for Courier and for digits and
    /// spaces in Helvetica, an upper estimate for the other glyphs of the
    /// encoding (each at least its Helvetica or Helvetica-Bold width).
    pub fn width(self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| match (self, c) {
                (Font::Mono, _) => 600.0,
                (_, '0'..='9') => 556.0,
                (_, ' ') => 278.0,
                (_, '.' | ',' | ':' | ';' | '!' | 'i' | 'l' | 'j' | '\'' | '|') => 278.0,
                // The widest glyphs (W, M, @, %, —, …, Æ, Œ, m, w).
                (
                    _,
                    'W' | 'M' | '@' | '%' | '—' | '…' | 'Æ' | 'Œ' | 'æ' | 'œ' | '‰' | 'm' | 'w',
                ) => 1015.0,
                (_, 'A'..='Z' | 'À'..='Þ') => 833.0,
                (Font::Bold, _) => 611.0,
                _ => 611.0,
            })
            .sum();
        units * size / 1000.0
    }
}

/// `text` in WinAnsiEncoding; `?` for what it lacks.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => b'?',
        })
        .collect()
}

/// Lines of at most `width` points, broken at spaces (a word longer than
/// a line is cut).
pub fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate, size) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
        }
        // A word longer than the line: cut in one pass over its characters.
        if font.width(&line, size) > width {
            let mut piece = String::new();
            let mut wide = 0.0;
            let mut buf = [0u8; 4];
            for c in std::mem::take(&mut line).chars() {
                let w = font.width(c.encode_utf8(&mut buf), size);
                if !piece.is_empty() && wide + w > width {
                    lines.push(std::mem::take(&mut piece));
                    wide = 0.0;
                }
                piece.push(c);
                wide += w;
            }
            line = piece;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// How a cell of a table row is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// From the column's left edge.
    Left,
    /// Against the column's right edge (numbers).
    Right,
}

/// A document being written, top to bottom, page after page.
pub struct Document {
    /// Finished pages' content.
    pages: Vec<Content>,
    /// The page being written.
    page: Content,
    /// Where the next line's top is, from the page's bottom.
    y: f32,
    /// The document's title (its metadata) and language tag.
    title: String,
    /// BCP 47.
    lang: String,
    /// The footer's words before the page numbers ("Page").
    footer: String,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("title", &self.title)
            .field("pages", &(self.pages.len() + 1))
            .finish_non_exhaustive()
    }
}

impl Document {
    /// A new document.
    pub fn new(title: &str, lang: &str, footer: &str) -> Document {
        Document {
            pages: Vec::new(),
            page: Content::new(),
            y: HEIGHT - MARGIN,
            title: title.to_owned(),
            lang: lang.to_owned(),
            footer: footer.to_owned(),
        }
    }

    /// Room for `height` more points on this page, or a new page.
    pub fn need(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            self.pages
                .push(std::mem::replace(&mut self.page, Content::new()));
            self.y = HEIGHT - MARGIN;
        }
    }

    /// A new page, from its top.
    pub fn new_page(&mut self) {
        self.pages
            .push(std::mem::replace(&mut self.page, Content::new()));
        self.y = HEIGHT - MARGIN;
    }

    /// A square of dark and light modules (a QR code), `size` points wide,
    /// at the margin; `dark` holds `width × width` modules row by row.
    pub fn modules(&mut self, dark: &[bool], width: usize, size: f32) {
        if width == 0 {
            return;
        }
        self.need(size);
        #[allow(clippy::cast_precision_loss)]
        let cell = size / width as f32;
        let top = self.y;
        for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
            #[allow(clippy::cast_precision_loss)]
            let (row, col) = ((i / width) as f32, (i % width) as f32);
            self.page
                .rect(MARGIN + col * cell, top - (row + 1.0) * cell, cell, cell);
        }
        self.page.fill_nonzero();
        self.y = top - size;
    }

    /// Empty space.
    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// One line of `text` at `x` (from the margin), on the current line.
    fn put(&mut self, font: Font, size: f32, x: f32, text: &str) {
        self.page.begin_text();
        self.page.set_font(font.name(), size);
        self.page.next_line(MARGIN + x, self.y - size);
        self.page.show(Str(&win_ansi(text)));
        self.page.end_text();
    }

    /// One line of text as it is, never wrapped.
    pub fn line(&mut self, font: Font, size: f32, text: &str) {
        self.need(size * 1.35);
        self.put(font, size, 0.0, text);
        self.y -= size * 1.35;
    }

    /// A paragraph, wrapped to the text's width.
    pub fn paragraph(&mut self, font: Font, size: f32, text: &str) {
        for line in wrap(text, font, size, TEXT_WIDTH) {
            self.need(size * 1.35);
            self.put(font, size, 0.0, &line);
            self.y -= size * 1.35;
        }
    }

    /// A table row: cells with their column's left edge, width and
    /// alignment; cells wrap, and the row is as tall as its tallest cell.
    pub fn row(&mut self, font: Font, size: f32, cells: &[(&str, f32, f32, Align)]) {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .map(|(text, _, width, _)| wrap(text, font, size, *width))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let leading = size * 1.35;
        self.need(leading * lines as f32);
        let top = self.y;
        for ((_, x, width, align), text) in cells.iter().zip(&wrapped) {
            self.y = top;
            for line in text {
                let at = match align {
                    Align::Left => *x,
                    Align::Right => x + width - font.width(line, size),
                };
                self.put(font, size, at, line);
                self.y -= leading;
            }
        }
        self.y = top - leading * lines as f32;
    }

    /// A thin line across the text's width.
    pub fn rule(&mut self) {
        self.need(6.0);
        self.page.set_line_width(0.5);
        self.page.move_to(MARGIN, self.y - 2.0);
        self.page.line_to(WIDTH - MARGIN, self.y - 2.0);
        self.page.stroke();
        self.y -= 6.0;
    }

    /// A line to sign on, `width` long, at `x`, with its caption under it.
    pub fn signature_line(&mut self, captions: &[(&str, f32, f32)]) {
        self.need(44.0);
        self.y -= 28.0;
        self.page.set_line_width(0.5);
        for (_, x, width) in captions {
            self.page.move_to(MARGIN + x, self.y);
            self.page.line_to(MARGIN + x + width, self.y);
        }
        self.page.stroke();
        self.y -= 3.0;
        for (caption, x, _) in captions {
            self.put(Font::Regular, 8.0, *x, caption);
        }
        self.y -= 13.0;
    }

    /// The PDF file.
    pub fn finish(mut self) -> Vec<u8> {
        self.pages.push(self.page);
        let count = self.pages.len();
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let info = Ref::new(3);
        let fonts = [Ref::new(4), Ref::new(5), Ref::new(6)];
        let first_page = 7;
        let page_ref = |i: usize| Ref::new(first_page + 2 * i32::try_from(i).unwrap_or(0));
        let content_ref = |i: usize| Ref::new(first_page + 1 + 2 * i32::try_from(i).unwrap_or(0));
        pdf.catalog(catalog).pages(tree).lang(TextStr(&self.lang));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .creator(TextStr("Valurna"));
        pdf.pages(tree)
            .kids((0..count).map(page_ref))
            .count(i32::try_from(count).unwrap_or(i32::MAX));
        for (font, base) in fonts
            .iter()
            .zip([&b"Helvetica"[..], b"Helvetica-Bold", b"Courier"])
        {
            pdf.type1_font(*font)
                .base_font(Name(base))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        for (i, mut content) in self.pages.into_iter().enumerate() {
            // The footer: the title and the page's number.
            let footer = format!("{} · {} {}/{}", self.title, self.footer, i + 1, count);
            content.begin_text();
            content.set_font(Font::Regular.name(), 8.0);
            content.next_line(MARGIN, MARGIN - 20.0);
            content.show(Str(&win_ansi(&footer)));
            content.end_text();
            let mut page = pdf.page(page_ref(i));
            page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
                .parent(tree)
                .contents(content_ref(i));
            let mut resources = page.resources();
            let mut f = resources.fonts();
            for (font, r) in [Font::Regular, Font::Bold, Font::Mono].iter().zip(fonts) {
                f.pair(font.name(), r);
            }
            f.finish();
            resources.finish();
            page.finish();
            pdf.stream(content_ref(i), &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn win_ansi_keeps_nordic_letters_and_marks_the_rest() {
        assert_eq!(
            win_ansi("Åsa Øberg – Šárka"),
            b"\xc5sa \xd8berg \x96 \x8a\xe1rka"
        );
        assert_eq!(win_ansi("Łukasz"), b"?ukasz");
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text =
            "Valkrets Norr med många ord som inte får plats på en rad i tabellens smala kolumn";
        let lines = wrap(text, Font::Regular, 10.0, 120.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.join(" "), text);
        for l in &lines {
            assert!(Font::Regular.width(l, 10.0) <= 120.0, "{l}");
        }
        // A word longer than the line is cut, nothing lost.
        let long = "a".repeat(100);
        assert_eq!(wrap(&long, Font::Mono, 10.0, 60.0).concat(), long);
    }
}
