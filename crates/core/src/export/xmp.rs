//! The XMP packet every derived file carries (IPTC 2023.1 AI fields, rights, captions).

use super::provenance::{DIGITAL_SOURCE_TYPE, Provenance};

/// Escape text for XML element content and attribute values; drop characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Keep tab/newline/CR as character references so they survive attribute-value normalisation.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn simple(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!("   <{name}>{}</{name}>\n", escape(value)));
}

fn lang_alt(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!(
        "   <{name}>\n    <rdf:Alt>\n     <rdf:li xml:lang=\"x-default\">{}</rdf:li>\n    </rdf:Alt>\n   </{name}>\n",
        escape(value)
    ));
}

/// Room left for editors to add fields in place (XMP convention).
const PADDING: usize = 1024;

/// The full packet, `<?xpacket … ?>` wrapper included. `prompt_limit` caps the prompt's
/// length in characters (JPEG's APP1 segment holds at most 64 KiB).
pub fn packet(p: &Provenance, metadata_date: &str, prompt_limit: Option<usize>) -> String {
    let mut body = String::new();
    simple(
        &mut body,
        "Iptc4xmpExt:DigitalSourceType",
        DIGITAL_SOURCE_TYPE,
    );
    if !p.ai_system.is_empty() {
        simple(&mut body, "Iptc4xmpExt:AISystemUsed", &p.ai_system);
    }
    if !p.ai_system_version.is_empty() {
        simple(
            &mut body,
            "Iptc4xmpExt:AISystemVersionUsed",
            &p.ai_system_version,
        );
    }
    if let Some(prompt) = &p.prompt {
        let prompt = match prompt_limit {
            Some(limit) if prompt.chars().count() > limit => {
                let mut cut: String = prompt.chars().take(limit).collect();
                cut.push('…');
                cut
            }
            _ => prompt.clone(),
        };
        simple(&mut body, "Iptc4xmpExt:AIPromptInformation", &prompt);
    }
    if !p.usage_terms.is_empty() {
        lang_alt(&mut body, "xmpRights:UsageTerms", &p.usage_terms);
    }
    if !p.web_statement.is_empty() {
        simple(&mut body, "xmpRights:WebStatement", &p.web_statement);
    }
    if !p.credit.is_empty() {
        simple(&mut body, "photoshop:Credit", &p.credit);
    }
    if let Some(caption) = &p.caption {
        lang_alt(&mut body, "dc:description", caption);
    }
    if let Some(alt) = &p.alt_text {
        lang_alt(&mut body, "Iptc4xmpCore:AltTextAccessibility", alt);
    }
    simple(&mut body, "xmp:CreatorTool", &p.creator_tool);
    // Only a date that parses; a malformed one would make the whole packet suspect to readers.
    if let Some(created) = p.created {
        simple(&mut body, "xmp:CreateDate", &created.to_rfc3339());
    }
    simple(&mut body, "xmp:MetadataDate", metadata_date);
    simple(&mut body, "xmpMM:DocumentID", &p.document_id);

    format!(
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"{tool}\">\n\
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
  <rdf:Description rdf:about=\"\"\n\
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
    xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\"\n\
    xmlns:xmpRights=\"http://ns.adobe.com/xap/1.0/rights/\"\n\
    xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\"\n\
    xmlns:Iptc4xmpCore=\"http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/\"\n\
    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\">\n\
{body}  </rdf:Description>\n\
 </rdf:RDF>\n\
</x:xmpmeta>\n\
{pad}\n<?xpacket end=\"w\"?>",
        tool = escape(&p.creator_tool),
        pad = " ".repeat(PADDING),
    )
}
