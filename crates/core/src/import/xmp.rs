//! Reading an XMP packet into flat properties: `prefix:Name` (prefixes are the usual ones
//! for known namespaces, whatever the file called them) to text. Language alternatives give
//! their `x-default` entry; lists are joined with "; "; structures become `prop/field`.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Usual prefixes of the namespaces import maps from.
const PREFIXES: &[(&str, &str)] = &[
    ("http://purl.org/dc/elements/1.1/", "dc"),
    ("http://ns.adobe.com/xap/1.0/rights/", "xmpRights"),
    ("http://ns.adobe.com/xap/1.0/", "xmp"),
    ("http://ns.adobe.com/photoshop/1.0/", "photoshop"),
    ("http://iptc.org/std/Iptc4xmpExt/2008-02-29/", "Iptc4xmpExt"),
    (
        "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
        "Iptc4xmpCore",
    ),
    ("http://ns.useplus.org/ldf/xmp/1.0/", "plus"),
    ("http://creativecommons.org/ns#", "cc"),
    ("http://ns.adobe.com/exif/1.0/", "exif"),
    ("http://ns.adobe.com/tiff/1.0/", "tiff"),
];

/// Most properties kept from one packet (a hostile packet may hold millions).
const MAX_PROPERTIES: usize = 500;

fn name_of(ns: Option<&str>, local: &str, raw_prefix: Option<&str>) -> String {
    let known = ns.and_then(|ns| {
        PREFIXES
            .iter()
            .find(|(uri, _)| *uri == ns)
            .map(|(_, p)| (*p).to_owned())
    });
    match known.or_else(|| raw_prefix.map(str::to_owned)) {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

fn bound(ns: ResolveResult<'_>) -> Option<String> {
    match ns {
        ResolveResult::Bound(n) => Some(n.as_ref().to_owned()),
        _ => None,
    }
}

fn is_rdf(ns: Option<&str>, local: &str, name: &str) -> bool {
    ns == Some(RDF) && local == name
}

/// An open element while walking: a property (its name and values so far) or RDF plumbing.
#[derive(Debug)]
enum Open {
    Description,
    Property {
        name: String,
        values: Vec<String>,
        /// Index in `values` of the `x-default` alternative.
        default_at: Option<usize>,
    },
    Item,
    Other,
}

/// The packet's properties in document order. Malformed XML ends the walk with what was
/// read so far, plus the reason.
pub fn properties(packet: &str) -> (Vec<(String, String)>, Option<String>) {
    let mut reader = NsReader::from_str(packet);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut problem = None;
    loop {
        if out.len() >= MAX_PROPERTIES {
            problem = Some(format!(
                "more than {MAX_PROPERTIES} properties; the rest was not read"
            ));
            break;
        }
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ns, event)) => (bound(ns), event),
            Err(e) => {
                problem = Some(format!("the XMP is not well-formed XML ({e})"));
                break;
            }
        };
        match event {
            Event::Start(e) => {
                let open = open_element(&reader, ns.as_deref(), &e, &mut stack, &mut out);
                stack.push(open);
            }
            Event::Empty(e) => {
                let open = open_element(&reader, ns.as_deref(), &e, &mut stack, &mut out);
                stack.push(open);
                close(&mut stack, &mut out);
            }
            Event::End(_) => close(&mut stack, &mut out),
            Event::Text(t) => append_text(&mut stack, &t.xml10_content()),
            Event::CData(t) => append_text(&mut stack, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_xml_entity(&r)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("&{};", &*r)),
                };
                append_text(&mut stack, &text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (out, problem)
}

fn open_element(
    reader: &NsReader<&[u8]>,
    ns: Option<&str>,
    e: &quick_xml::events::BytesStart<'_>,
    stack: &mut [Open],
    out: &mut Vec<(String, String)>,
) -> Open {
    let local = e.local_name();
    let local = local.as_ref();
    if is_rdf(ns, local, "Description") {
        // Properties written as attributes: `<rdf:Description dc:format="…">`.
        for attr in e.attributes().flatten() {
            if attr.key.as_ref().starts_with("xmlns") {
                continue;
            }
            let (attr_ns, attr_local) = reader.resolver().resolve_attribute(attr.key);
            let attr_ns = bound(attr_ns);
            if matches!(attr_ns.as_deref(), Some(n) if n == RDF || n == XML) {
                continue;
            }
            let name = name_of(
                attr_ns.as_deref(),
                attr_local.as_ref(),
                attr.key.prefix().map(|p| p.into_inner()),
            );
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| attr.value.to_string());
            push_property(stack, out, name, value);
        }
        return Open::Description;
    }
    if is_rdf(ns, local, "li") {
        let default = e.attributes().flatten().any(|a| {
            a.key.as_ref() == "xml:lang" && a.value.as_ref().eq_ignore_ascii_case("x-default")
        });
        if let Some(Open::Property {
            values, default_at, ..
        }) = innermost_property(stack)
        {
            values.push(String::new());
            if default && default_at.is_none() {
                *default_at = Some(values.len() - 1);
            }
        }
        return Open::Item;
    }
    if ns == Some(RDF) {
        // Bag, Seq, Alt, RDF: containers, not properties.
        return Open::Other;
    }
    let in_description = matches!(stack.last(), Some(Open::Description));
    let in_structure = matches!(stack.last(), Some(Open::Property { .. } | Open::Item))
        && innermost_property(stack).is_some();
    if !in_description && !in_structure {
        return Open::Other;
    }
    let qname = e.name();
    let mut name = name_of(ns, local, qname.prefix().map(|p| p.into_inner()));
    if in_structure && let Some(Open::Property { name: outer, .. }) = innermost_property(stack) {
        name = format!("{outer}/{name}");
    }
    let resource = e.attributes().flatten().find_map(|a| {
        let (a_ns, a_local) = reader.resolver().resolve_attribute(a.key);
        is_rdf(bound(a_ns).as_deref(), a_local.as_ref(), "resource").then(|| a.value.to_string())
    });
    Open::Property {
        name,
        values: resource.into_iter().collect(),
        default_at: None,
    }
}

fn innermost_property(stack: &mut [Open]) -> Option<&mut Open> {
    stack
        .iter_mut()
        .rev()
        .find(|o| matches!(o, Open::Property { .. }))
}

fn push_property(stack: &mut [Open], out: &mut Vec<(String, String)>, name: String, value: String) {
    let _ = stack;
    let value = value.trim().to_owned();
    if !value.is_empty() {
        out.push((name, value));
    }
}

fn append_text(stack: &mut [Open], text: &str) {
    if let Some(Open::Property { values, .. }) = innermost_property(stack) {
        match values.last_mut() {
            Some(last) => last.push_str(text),
            None => values.push(text.to_owned()),
        }
    }
}

fn close(stack: &mut Vec<Open>, out: &mut Vec<(String, String)>) {
    if let Some(Open::Property {
        name,
        values,
        default_at,
    }) = stack.pop()
    {
        let values: Vec<String> = values.into_iter().map(|v| v.trim().to_owned()).collect();
        let value = match default_at.and_then(|i| values.get(i)) {
            Some(default) => default.clone(),
            None => values
                .iter()
                .filter(|v| !v.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        };
        push_property(stack, out, name, value);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_attributes_alternatives_and_lists() {
        let packet = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:ext="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
  xmlns:ps="http://ns.adobe.com/photoshop/1.0/" ps:Credit="Ann &amp; Bo"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/">
 <ext:DigitalSourceType rdf:resource="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>
 <dc:rights><rdf:Alt><rdf:li xml:lang="fr">Droits</rdf:li><rdf:li xml:lang="x-default">© Ann &lt;b&gt;</rdf:li></rdf:Alt></dc:rights>
 <dc:creator><rdf:Seq><rdf:li>Ann</rdf:li><rdf:li>Bo</rdf:li></rdf:Seq></dc:creator>
 <xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">CC BY 4.0</rdf:li></rdf:Alt></xmpRights:UsageTerms>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;
        let (props, problem) = properties(packet);
        assert_eq!(problem, None);
        let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("photoshop:Credit"), Some("Ann & Bo"));
        assert_eq!(
            get("Iptc4xmpExt:DigitalSourceType"),
            Some("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia")
        );
        assert_eq!(get("dc:rights"), Some("© Ann <b>"));
        assert_eq!(get("dc:creator"), Some("Ann; Bo"));
        assert_eq!(get("xmpRights:UsageTerms"), Some("CC BY 4.0"));
    }

    #[test]
    fn malformed_xml_keeps_what_was_read() {
        let (props, problem) = properties(
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/png"><dc:title></rdf:RDF>"#,
        );
        assert_eq!(
            props,
            vec![("dc:format".to_owned(), "image/png".to_owned())]
        );
        assert!(problem.is_some());
    }
}
