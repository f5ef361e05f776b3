package origin

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// MaxBodyBytes bounds every request body the origin reads (64 KiB).
const MaxBodyBytes = 64 << 10

// SOAP constants. Namespace is the target namespace of the WSDL and of the
// AuthenticateUser request and response elements (our design).
const (
	Namespace      = "urn:ssoharness:origin"
	SOAPAction     = "AuthenticateUser"
	soapEnvelopeNS = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12NS       = "http://www.w3.org/2003/05/soap-envelope"
)

// Content types of the answers.
const (
	contentJSON = "application/json; charset=utf-8"
	contentXML  = "application/xml; charset=utf-8"
	contentSOAP = "text/xml; charset=utf-8"
	contentText = "text/plain; charset=utf-8"
)

// requestError is a refusal of a malformed request: HTTP status and message.
type requestError struct {
	status    int
	faultCode string // SOAP only: soap:Client, soap:VersionMismatch, soap:MustUnderstand
	msg       string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, faultCode: "soap:Client", msg: fmt.Sprintf(format, args...)}
}

// readBody reads at most MaxBodyBytes of a non-empty body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *requestError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, faultCode: "soap:Client",
				msg: fmt.Sprintf("request body larger than %d bytes", MaxBodyBytes)}
		}
		return nil, badRequest("reading request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest("empty request body")
	}
	return body, nil
}

// parseJSONRequest accepts exactly {"email": string, "sessionKey": string}.
func parseJSONRequest(body []byte) (email, key string, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return "", "", badRequest(`body is not a JSON object {"email": "...", "sessionKey": "..."}: %v`, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", "", badRequest("trailing data after the JSON object")
	}
	if m == nil {
		return "", "", badRequest(`body is null; send {"email": "...", "sessionKey": "..."}`)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "email" && k != "sessionKey" {
			return "", "", badRequest(`unknown field %q; send exactly "email" and "sessionKey"`, k)
		}
	}
	var out [2]string
	for i, name := range []string{"email", "sessionKey"} {
		raw, ok := m[name]
		if !ok {
			return "", "", badRequest("missing field %q", name)
		}
		if err := json.Unmarshal(raw, &out[i]); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return "", "", badRequest("field %q must be a JSON string", name)
		}
	}
	return out[0], out[1], nil
}

// xmlAuthRequest is <AuthenticateUser><email/><sessionKey/></AuthenticateUser>.
// Child elements match in any namespace.
type xmlAuthRequest struct {
	XMLName    xml.Name
	Email      []string     `xml:"email"`
	SessionKey []string     `xml:"sessionKey"`
	Other      []xmlElement `xml:",any"`
}

type xmlElement struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
}

func (q xmlAuthRequest) fields() (email, key string, err error) {
	if len(q.Other) > 0 {
		return "", "", badRequest("unexpected element <%s> in <AuthenticateUser>; it holds only <email> and <sessionKey>", q.Other[0].XMLName.Local)
	}
	if len(q.Email) != 1 {
		return "", "", badRequest("<AuthenticateUser> must hold exactly one <email>, found %d", len(q.Email))
	}
	if len(q.SessionKey) != 1 {
		return "", "", badRequest("<AuthenticateUser> must hold exactly one <sessionKey>, found %d", len(q.SessionKey))
	}
	return q.Email[0], q.SessionKey[0], nil
}

// decodeXMLDocument decodes a document with exactly one root element into v
// and returns the root's name. Non-whitespace text outside the root, a
// second root and DTDs are refused.
func decodeXMLDocument(body []byte, v any) (xml.Name, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var root xml.Name
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if root.Local == "" {
				return root, badRequest("no XML element in the body")
			}
			return root, nil
		}
		if err != nil {
			return root, badRequest("body is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root.Local != "" {
				return root, badRequest("more than one root element (<%s> after <%s>)", t.Name.Local, root.Local)
			}
			root = t.Name
			if err := dec.DecodeElement(v, &t); err != nil {
				return root, badRequest("body is not well-formed XML: %v", err)
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return root, badRequest("text outside the root element")
			}
		case xml.Directive:
			return root, badRequest("DTDs and other <!...> directives are not accepted")
		}
	}
}

func parseXMLRequest(body []byte) (email, key string, err error) {
	var q xmlAuthRequest
	name, err := decodeXMLDocument(body, &q)
	if err != nil {
		return "", "", err
	}
	if name.Local != "AuthenticateUser" {
		return "", "", badRequest("root element is <%s>, want <AuthenticateUser>", name.Local)
	}
	return q.fields()
}

type soapEnvelope struct {
	XMLName xml.Name
	Header  *soapHeader  `xml:"http://schemas.xmlsoap.org/soap/envelope/ Header"`
	Body    *soapBody    `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	Other   []xmlElement `xml:",any"`
}

type soapHeader struct {
	Entries []xmlElement `xml:",any"`
}

type soapBody struct {
	Ops []xmlAuthRequest `xml:",any"`
}

// checkSOAPAction accepts "AuthenticateUser" (quoted or not), the same
// prefixed with Namespace, and "" (the intent is the request URI).
func checkSOAPAction(r *http.Request) (string, error) {
	vals := r.Header.Values("SOAPAction")
	if len(vals) == 0 {
		return "", badRequest(`missing SOAPAction header; send SOAPAction: "%s"`, SOAPAction)
	}
	if len(vals) > 1 {
		return vals[0], badRequest("more than one SOAPAction header")
	}
	raw := vals[0]
	a := strings.TrimSpace(raw)
	if len(a) >= 2 && a[0] == '"' && a[len(a)-1] == '"' {
		a = a[1 : len(a)-1]
	}
	switch a {
	case "", SOAPAction, Namespace + SOAPAction, Namespace + "/" + SOAPAction, Namespace + ":" + SOAPAction:
		return raw, nil
	}
	return raw, badRequest(`SOAPAction %q names another operation; send SOAPAction: "%s"`, raw, SOAPAction)
}

func parseSOAPRequest(body []byte) (email, key string, err error) {
	var env soapEnvelope
	name, err := decodeXMLDocument(body, &env)
	if err != nil {
		return "", "", err
	}
	switch {
	case name.Local == "Envelope" && name.Space == soap12NS:
		return "", "", &requestError{status: http.StatusBadRequest, faultCode: "soap:VersionMismatch",
			msg: "SOAP 1.2 envelope; this service speaks SOAP 1.1 (namespace " + soapEnvelopeNS + ")"}
	case name.Local == "Envelope" && name.Space != soapEnvelopeNS:
		return "", "", &requestError{status: http.StatusBadRequest, faultCode: "soap:VersionMismatch",
			msg: fmt.Sprintf("Envelope in namespace %q; this service speaks SOAP 1.1 (namespace %s)", name.Space, soapEnvelopeNS)}
	case name.Local != "Envelope":
		return "", "", badRequest("root element is {%s}%s, want a SOAP 1.1 Envelope {%s}Envelope", name.Space, name.Local, soapEnvelopeNS)
	}
	if len(env.Other) > 0 {
		return "", "", badRequest("unexpected element <%s> in the Envelope; it holds an optional Header and a Body", env.Other[0].XMLName.Local)
	}
	if env.Header != nil {
		for _, h := range env.Header.Entries {
			for _, a := range h.Attrs {
				if a.Name.Space == soapEnvelopeNS && a.Name.Local == "mustUnderstand" && strings.TrimSpace(a.Value) == "1" {
					return "", "", &requestError{status: http.StatusBadRequest, faultCode: "soap:MustUnderstand",
						msg: fmt.Sprintf("header {%s}%s is marked mustUnderstand and is not understood", h.XMLName.Space, h.XMLName.Local)}
				}
			}
		}
	}
	if env.Body == nil {
		return "", "", badRequest("the Envelope has no soap:Body")
	}
	if len(env.Body.Ops) != 1 {
		return "", "", badRequest("soap:Body must hold exactly one AuthenticateUser element, found %d elements", len(env.Body.Ops))
	}
	op := env.Body.Ops[0]
	if op.XMLName.Local != "AuthenticateUser" || (op.XMLName.Space != Namespace && op.XMLName.Space != "") {
		return "", "", badRequest("unknown operation {%s}%s; the service offers {%s}AuthenticateUser", op.XMLName.Space, op.XMLName.Local, Namespace)
	}
	return op.fields()
}

// decide computes the honest verdict and the answer the current mode sends.
func (o *Origin) decide(call *AuthCall) {
	v := o.AuthenticateUser(call.Email, call.SessionKey)
	call.Valid, call.Reason = v.Valid, v.Reason
	call.Mode = o.Answer()
	switch call.Mode {
	case AlwaysTrue:
		call.Answer = "true"
	case AlwaysFalse:
		call.Answer = "false"
	case Malformed:
		call.Answer = "yes"
	case Error500:
		call.Answer = ""
	default:
		call.Answer = strconv.FormatBool(v.Valid)
	}
}

func newCall(t Transport, r *http.Request, o *Origin) AuthCall {
	return AuthCall{Transport: t, ContentType: r.Header.Get("Content-Type"), At: o.now()}
}

func (o *Origin) finish(call AuthCall) {
	o.record(call)
	attrs := []any{"transport", string(call.Transport), "status", call.Status}
	if call.Problem != "" {
		attrs = append(attrs, "problem", call.Problem)
	} else {
		attrs = append(attrs, "email", call.Email, "session_ref", sessionRef(call.SessionKey),
			"valid", call.Valid, "reason", string(call.Reason), "mode", string(call.Mode), "answer", call.Answer)
	}
	o.log.Info("origin: auth call", attrs...)
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", contentText)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// restRefusal answers a malformed REST request and records it.
func (o *Origin) restRefusal(w http.ResponseWriter, call AuthCall, rerr *requestError) {
	call.Status, call.Problem = rerr.status, rerr.msg
	writeText(w, rerr.status, "origin: "+rerr.msg)
	o.finish(call)
}

// restTransport is what differs between the two REST transports: how the
// request body is read and how the boolean answer is written.
type restTransport struct {
	transport   Transport
	parse       func([]byte) (email, sessionKey string, err error)
	contentType string
	body        func(answer string) string
}

var (
	restJSON = restTransport{TransportJSON, parseJSONRequest, contentJSON, func(a string) string { return a }}
	restXML  = restTransport{TransportXML, parseXMLRequest, contentXML, func(a string) string { return xml.Header + "<boolean>" + a + "</boolean>" }}
)

// handleAuthREST answers AuthenticateUser over one REST transport.
func (o *Origin) handleAuthREST(t restTransport) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		call := newCall(t.transport, r, o)
		body, rerr := readBody(w, r)
		if rerr == nil {
			var err error
			call.Email, call.SessionKey, err = t.parse(body)
			rerr, _ = err.(*requestError)
		}
		if rerr != nil {
			o.restRefusal(w, call, rerr)
			return
		}
		o.decide(&call)
		if call.Mode == Error500 {
			call.Status = http.StatusInternalServerError
			writeText(w, call.Status, "origin: simulated failure (answer mode error-500)")
		} else {
			call.Status = http.StatusOK
			w.Header().Set("Content-Type", t.contentType)
			io.WriteString(w, t.body(call.Answer))
		}
		o.finish(call)
	}
}

func (o *Origin) handleAuthSOAP(w http.ResponseWriter, r *http.Request) {
	call := newCall(TransportSOAP, r, o)
	call.SOAPAction = r.Header.Get("SOAPAction")
	body, rerr := readBody(w, r)
	if rerr == nil {
		_, err := checkSOAPAction(r)
		rerr, _ = err.(*requestError)
	}
	if rerr == nil {
		var err error
		call.Email, call.SessionKey, err = parseSOAPRequest(body)
		rerr, _ = err.(*requestError)
	}
	if rerr != nil {
		call.Status, call.Problem = rerr.status, rerr.msg
		writeFault(w, rerr.status, rerr.faultCode, rerr.msg)
		o.finish(call)
		return
	}
	o.decide(&call)
	if call.Mode == Error500 {
		call.Status = http.StatusInternalServerError
		writeFault(w, call.Status, "soap:Server", "simulated failure (answer mode error-500)")
	} else {
		call.Status = http.StatusOK
		w.Header().Set("Content-Type", contentSOAP)
		io.WriteString(w, xml.Header+
			`<soap:Envelope xmlns:soap="`+soapEnvelopeNS+`"><soap:Body>`+
			`<AuthenticateUserResponse xmlns="`+Namespace+`">`+
			`<AuthenticateUserResult>`+call.Answer+`</AuthenticateUserResult>`+
			`</AuthenticateUserResponse></soap:Body></soap:Envelope>`)
	}
	o.finish(call)
}

func writeFault(w http.ResponseWriter, status int, code, msg string) {
	var s strings.Builder
	xml.EscapeText(&s, []byte(msg))
	w.Header().Set("Content-Type", contentSOAP)
	w.WriteHeader(status)
	io.WriteString(w, xml.Header+
		`<soap:Envelope xmlns:soap="`+soapEnvelopeNS+`"><soap:Body><soap:Fault>`+
		`<faultcode>`+code+`</faultcode><faultstring>`+s.String()+`</faultstring>`+
		`</soap:Fault></soap:Body></soap:Envelope>`)
}

func (o *Origin) handleWSDL(w http.ResponseWriter, r *http.Request) {
	wants := false
	for k := range r.URL.Query() {
		wants = wants || strings.EqualFold(k, "wsdl")
	}
	if !wants {
		writeText(w, http.StatusBadRequest, "origin: GET /auth/soap?wsdl serves the WSDL; POST a SOAP 1.1 envelope to call AuthenticateUser")
		return
	}
	w.Header().Set("Content-Type", contentSOAP)
	io.WriteString(w, o.WSDL())
}

// WSDL returns the service description served at /auth/soap?wsdl.
func (o *Origin) WSDL() string {
	var loc strings.Builder
	xml.EscapeText(&loc, []byte(o.base.String()+"/auth/soap"))
	return strings.NewReplacer("{NS}", Namespace, "{ACTION}", SOAPAction, "{LOCATION}", loc.String()).Replace(wsdlTemplate)
}

const wsdlTemplate = xml.Header + `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:tns="{NS}" targetNamespace="{NS}">
  <wsdl:documentation>ssoharness mock originating system: Incoming SSO authentication web service. AuthenticateUser answers true only when sessionKey is a live session of the user with that email (case-insensitive).</wsdl:documentation>
  <wsdl:types>
    <s:schema elementFormDefault="qualified" targetNamespace="{NS}">
      <s:element name="AuthenticateUser">
        <s:complexType>
          <s:sequence>
            <s:element minOccurs="1" maxOccurs="1" name="email" type="s:string"/>
            <s:element minOccurs="1" maxOccurs="1" name="sessionKey" type="s:string"/>
          </s:sequence>
        </s:complexType>
      </s:element>
      <s:element name="AuthenticateUserResponse">
        <s:complexType>
          <s:sequence>
            <s:element minOccurs="1" maxOccurs="1" name="AuthenticateUserResult" type="s:boolean"/>
          </s:sequence>
        </s:complexType>
      </s:element>
    </s:schema>
  </wsdl:types>
  <wsdl:message name="AuthenticateUserSoapIn">
    <wsdl:part name="parameters" element="tns:AuthenticateUser"/>
  </wsdl:message>
  <wsdl:message name="AuthenticateUserSoapOut">
    <wsdl:part name="parameters" element="tns:AuthenticateUserResponse"/>
  </wsdl:message>
  <wsdl:portType name="AuthenticationSoap">
    <wsdl:operation name="AuthenticateUser">
      <wsdl:input message="tns:AuthenticateUserSoapIn"/>
      <wsdl:output message="tns:AuthenticateUserSoapOut"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="AuthenticationSoap" type="tns:AuthenticationSoap">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="AuthenticateUser">
      <soap:operation soapAction="{ACTION}" style="document"/>
      <wsdl:input>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output>
        <soap:body use="literal"/>
      </wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="Authentication">
    <wsdl:port name="AuthenticationSoap" binding="tns:AuthenticationSoap">
      <soap:address location="{LOCATION}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`
