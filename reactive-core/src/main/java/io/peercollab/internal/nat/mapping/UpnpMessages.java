// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import io.peercollab.MessageText;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * What UPnP-IGD sends and reads: the SSDP search (UPnP Device Architecture 1.1 section 1.3.2) and its response, the
 * device description's WAN connection service, and the SOAP actions of WANIPConnection:1/2 (GetExternalIPAddress,
 * AddPortMapping, DeletePortMapping) with their responses and UPnP errors. XML is read with DTDs refused and no
 * external entity or schema fetched.
 */
final class UpnpMessages {

	static final String SSDP_ADDRESS = "239.255.255.250";

	static final int SSDP_PORT = 1900;

	/** The largest SSDP response read; a longer datagram is dropped. */
	static final int MAX_SSDP_SIZE = 2048;

	/** The most header lines an SSDP response may have. */
	static final int MAX_SSDP_HEADERS = 32;

	static final String IGD_1 = "urn:schemas-upnp-org:device:InternetGatewayDevice:1";

	/** The WAN connection services, best first. */
	static final List<String> SERVICE_TYPES = List.of(
			"urn:schemas-upnp-org:service:WANIPConnection:2",
			"urn:schemas-upnp-org:service:WANIPConnection:1",
			"urn:schemas-upnp-org:service:WANPPPConnection:1");

	private static final String PROTOCOL = UpnpIgdClient.PROTOCOL;

	private UpnpMessages() {
	}

	/**
	 * The WAN connection service found in a device description.
	 *
	 * @param serviceType such as {@code urn:schemas-upnp-org:service:WANIPConnection:1}
	 * @param controlUrl where its SOAP actions go, absolute
	 */
	record Service(String serviceType, URI controlUrl) {
	}

	/** @return an M-SEARCH for {@code searchTarget}, answered within {@code mx} seconds */
	static byte[] search(String searchTarget, int mx) {
		return ("M-SEARCH * HTTP/1.1\r\n"
				+ "HOST: " + SSDP_ADDRESS + ":" + SSDP_PORT + "\r\n"
				+ "MAN: \"ssdp:discover\"\r\n"
				+ "MX: " + mx + "\r\n"
				+ "ST: " + searchTarget + "\r\n"
				+ "\r\n").getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * Reads an SSDP search response's LOCATION.
	 *
	 * @return the description's URL
	 * @throws GatewayFormatException naming the field and the limit if it is no {@code HTTP/1.1 200} response with
	 * an http LOCATION, has too many headers, or is too long
	 */
	static URI location(byte[] datagram) {
		if (datagram.length > MAX_SSDP_SIZE) {
			throw new GatewayFormatException(PROTOCOL, "SSDP response", "at most " + MAX_SSDP_SIZE + " bytes, was "
					+ datagram.length);
		}
		String[] lines = new String(datagram, StandardCharsets.ISO_8859_1).split("\r?\n", -1);
		if (!lines[0].startsWith("HTTP/1.1 200")) {
			throw new GatewayFormatException(PROTOCOL, "status line", "HTTP/1.1 200 OK, was "
					+ abbreviate(lines[0]));
		}
		String location = null;
		int headers = 0;
		for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
			if (++headers > MAX_SSDP_HEADERS) {
				throw new GatewayFormatException(PROTOCOL, "headers", "at most " + MAX_SSDP_HEADERS + " header lines");
			}
			int colon = lines[i].indexOf(':');
			if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("LOCATION")) {
				location = lines[i].substring(colon + 1).trim();
			}
		}
		if (location == null) {
			throw new GatewayFormatException(PROTOCOL, "LOCATION", "missing from the search response");
		}
		try {
			URI uri = new URI(location);
			GatewayHttp.hostOf(uri);
			return uri;
		}
		catch (URISyntaxException | IllegalArgumentException e) {
			throw new GatewayFormatException(PROTOCOL, "LOCATION", "an http URL, was " + abbreviate(location));
		}
	}

	/**
	 * Finds the best WAN connection service in a device description.
	 *
	 * @param location where the description came from: relative URLs are resolved against it (or URLBase)
	 * @return the service; empty if the description has none of {@link #SERVICE_TYPES}
	 * @throws GatewayFormatException if the description is no XML, or the control URL is no http URL on the
	 * description's host
	 */
	static Optional<Service> wanService(String description, URI location) {
		Document document = parse(description, "device description");
		URI base = location;
		NodeList urlBase = document.getElementsByTagNameNS("*", "URLBase");
		if (urlBase.getLength() > 0 && !urlBase.item(0).getTextContent().isBlank()) {
			try {
				base = new URI(urlBase.item(0).getTextContent().trim());
			}
			catch (URISyntaxException e) {
				throw new GatewayFormatException(PROTOCOL, "URLBase", "a URL, was "
						+ abbreviate(urlBase.item(0).getTextContent()));
			}
		}
		NodeList services = document.getElementsByTagNameNS("*", "service");
		for (String wanted : SERVICE_TYPES) {
			for (int i = 0; i < services.getLength(); i++) {
				Element service = (Element) services.item(i);
				if (wanted.equals(child(service, "serviceType"))) {
					String control = child(service, "controlURL");
					if (control == null || control.isBlank()) {
						throw new GatewayFormatException(PROTOCOL, "controlURL", "missing in service " + wanted);
					}
					URI url;
					try {
						url = base.resolve(new URI(control.trim()));
						if (!GatewayHttp.hostOf(url).equals(GatewayHttp.hostOf(location))) {
							throw new IllegalArgumentException("another host");
						}
					}
					catch (URISyntaxException | IllegalArgumentException e) {
						throw new GatewayFormatException(PROTOCOL, "controlURL", "an http URL on the description's "
								+ "host " + location.getHost() + ", was " + abbreviate(control));
					}
					return Optional.of(new Service(wanted, url));
				}
			}
		}
		return Optional.empty();
	}

	/**
	 * @param arguments in the order of the action's specification (UPnP arguments are positional)
	 * @return the SOAP envelope that calls {@code action} of {@code serviceType}
	 */
	static String soapRequest(String serviceType, String action, Map<String, String> arguments) {
		StringBuilder b = new StringBuilder("<?xml version=\"1.0\"?>\r\n"
				+ "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
				+ "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>")
				.append("<u:").append(action).append(" xmlns:u=\"").append(serviceType).append("\">");
		arguments.forEach((name, value) -> b.append('<').append(name).append('>').append(escape(value))
				.append("</").append(name).append('>'));
		return b.append("</u:").append(action).append("></s:Body></s:Envelope>\r\n").toString();
	}

	/** @return the SOAPAction header's value */
	static String soapAction(String serviceType, String action) {
		return "\"" + serviceType + "#" + action + "\"";
	}

	/**
	 * Reads an action's response.
	 *
	 * @return the output arguments by name
	 * @throws GatewayRefusedException for a UPnP error (its errorCode and errorDescription), or an HTTP status
	 * other than 200 without one
	 * @throws GatewayFormatException if the body is no SOAP response to {@code action}
	 */
	static Map<String, String> soapResponse(int status, String body, String action) {
		if (status != 200) {
			Document fault;
			try {
				fault = parse(body, "SOAP fault");
			}
			catch (GatewayFormatException e) {
				throw new GatewayRefusedException(PROTOCOL, status, "HTTP status " + status + " to " + action);
			}
			String code = text(fault, "errorCode");
			String description = text(fault, "errorDescription");
			if (code == null || !code.trim().matches("[0-9]{1,4}")) {
				throw new GatewayRefusedException(PROTOCOL, status, "HTTP status " + status + " to " + action);
			}
			throw new GatewayRefusedException(PROTOCOL, Integer.parseInt(code.trim()),
					(description == null ? "" : abbreviate(description.trim())) + " (" + action + ")");
		}
		Document document = parse(body, "SOAP response");
		NodeList responses = document.getElementsByTagNameNS("*", action + "Response");
		if (responses.getLength() != 1) {
			throw new GatewayFormatException(PROTOCOL, action + "Response", "one element expected, found "
					+ responses.getLength());
		}
		Map<String, String> out = new LinkedHashMap<>();
		NodeList children = responses.item(0).getChildNodes();
		for (int i = 0; i < children.getLength(); i++) {
			Node n = children.item(i);
			if (n.getNodeType() == Node.ELEMENT_NODE) {
				out.put(n.getLocalName(), n.getTextContent().trim());
			}
		}
		return out;
	}

	private static Document parse(String xml, String what) {
		try {
			DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
			factory.setNamespaceAware(true);
			factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
			factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
			factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
			factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
			factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
			factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
			factory.setXIncludeAware(false);
			factory.setExpandEntityReferences(false);
			DocumentBuilder builder = factory.newDocumentBuilder();
			builder.setErrorHandler(null);
			return builder.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
		}
		catch (ParserConfigurationException e) {
			throw new IllegalStateException(e);
		}
		catch (SAXException | IOException e) {
			throw new GatewayFormatException(PROTOCOL, what, "not well-formed XML without DTD: "
					+ abbreviate(String.valueOf(e.getMessage())));
		}
	}

	private static String child(Element parent, String name) {
		NodeList children = parent.getChildNodes();
		for (int i = 0; i < children.getLength(); i++) {
			Node n = children.item(i);
			if (n.getNodeType() == Node.ELEMENT_NODE && name.equals(n.getLocalName())) {
				return n.getTextContent().trim();
			}
		}
		return null;
	}

	private static String text(Document document, String localName) {
		NodeList list = document.getElementsByTagNameNS("*", localName);
		return list.getLength() == 0 ? null : list.item(0).getTextContent();
	}

	private static String escape(String value) {
		return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}

	static String abbreviate(String s) {
		return "'" + MessageText.quote(s) + "'";
	}
}
