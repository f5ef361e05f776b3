package shibboleth

import "text/template"

// shibboleth2.xml: the stock Debian file made private (socket, loggers,
// keys, metadata and maps in Dir) and fitted to plain HTTP on loopback
// (handlerSSL off, cookies without Secure). Everything else is Shibboleth's
// default: the default security policy accepts unsolicited responses,
// checks replay, audience and signatures against the metadata.
var shibboleth2XML = template.Must(template.New("shibboleth2.xml").Parse(`<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config"
    xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180">
    <OutOfProcess logger="{{.Dir}}/shibd.logger"/>
    <InProcess logger="{{.Dir}}/native.logger"/>
    <UnixListener address="{{.Dir}}/shibd.sock"/>

    <ApplicationDefaults entityID="{{.EntityID}}" REMOTE_USER="mail emailNameID persistentID transientID">
        <Sessions lifetime="28800" timeout="3600" relayState="ss:mem"
                  checkAddress="false" handlerSSL="false" cookieProps="; path=/; HttpOnly"
                  redirectLimit="exact">
            <SSO entityID="{{.IdPEntityID}}">SAML2</SSO>
            <Logout>Local</Logout>
            <Handler type="Status" Location="/Status" acl="127.0.0.1 ::1"/>
            <Handler type="Session" Location="/Session" showAttributeValues="true"/>
        </Sessions>

        <Errors supportContact="root@localhost" session="{{.Dir}}/error.html" metadata="{{.Dir}}/error.html"
            access="{{.Dir}}/error.html" ssl="{{.Dir}}/error.html"/>

        <MetadataProvider type="XML" validate="true" path="{{.Dir}}/idp-metadata.xml"/>
        <AttributeExtractor type="XML" validate="true" reloadChanges="false" path="{{.Dir}}/attribute-map.xml"/>
        <CredentialResolver type="File" use="encryption" key="{{.Dir}}/sp-key.pem" certificate="{{.Dir}}/sp-cert.pem"/>
    </ApplicationDefaults>

    <SecurityPolicyProvider type="XML" validate="true" path="{{.Dir}}/security-policy.xml"/>
    <ProtocolProvider type="XML" validate="true" reloadChanges="false" path="/etc/shibboleth/protocols.xml"/>
</SPConfig>
`))

// security-policy.xml: Debian's default policy, verbatim, kept here so the
// suite does not depend on local edits under /etc.
var securityPolicyXML = template.Must(template.New("security-policy.xml").Parse(`<SecurityPolicies xmlns="urn:mace:shibboleth:3.0:native:sp:config">
    <Policy id="default" validate="false">
        <PolicyRule type="MessageFlow" checkReplay="true" expires="60"/>
        <PolicyRule type="Conditions">
            <PolicyRule type="Audience"/>
        </PolicyRule>
        <PolicyRule type="ClientCertAuth" errorFatal="true"/>
        <PolicyRule type="XMLSigning" errorFatal="true"/>
        <PolicyRule type="SimpleSigning" errorFatal="true"/>
    </Policy>
    <ExcludedAlgorithms excludeDefaults="true"/>
</SecurityPolicies>
`))

// attribute-map.xml: URI-named attributes by OID, and the NameID by format
// (its bare value).
var attributeMapXML = template.Must(template.New("attribute-map.xml").Parse(`<Attributes xmlns="urn:mace:shibboleth:2.0:attribute-map" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
{{- range .Attributes}}
    <Attribute name="{{.Name}}" id="{{.ID}}">
        {{- if eq (slice .Name 0 8) "urn:oid:"}}<AttributeDecoder xsi:type="StringAttributeDecoder"/>
        {{- else}}<AttributeDecoder xsi:type="NameIDAttributeDecoder" formatter="$Name"/>{{end -}}
    </Attribute>
{{- end}}
</Attributes>
`))

// shibd logs to a file of its own: log4shib writes it unbuffered, where
// its standard output would reach shibd.log only when a buffer fills.
var shibdLogger = template.Must(template.New("shibd.logger").Parse(`log4j.rootCategory=INFO, file
log4j.category.XMLTooling.XMLObject=INFO
log4j.category.XMLTooling.XMLObjectBuilder=INFO
log4j.category.XMLTooling.KeyInfoResolver=INFO
log4j.category.Shibboleth.PropertySet=INFO
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.fileName={{.Dir}}/shibd-messages.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d{%H:%M:%S} %p %c %x: %m%n
`))

// mod_shib logs to the standard error of Apache's children: the error log.
var nativeLogger = template.Must(template.New("native.logger").Parse(`log4j.rootCategory=WARN, console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{%H:%M:%S} %p %c %x: %m%n
`))

// error.html: Shibboleth's error page, with ids to wait on.
var errorHTML = template.Must(template.New("error.html").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title><shibmlp errorType/></title></head>
<body>
<h1 id="shibboleth-error"><shibmlp errorType/></h1>
<p id="error-text"><shibmlp errorText/></p>
<p>At <shibmlp requestURL/>, <shibmlp now/>.</p>
<shibmlpif statusCode><p id="idp-status"><shibmlp statusCode/> <shibmlp statusCode2/> <shibmlp statusMessage/></p></shibmlpif>
</body>
</html>
`))

// apache2.conf: one prefork server on 127.0.0.1, mod_shib, the handler at
// /Shibboleth.sso and the protected CGI at /secure.
var apacheConf = template.Must(template.New("apache2.conf").Parse(`ServerRoot "{{.Dir}}"
ServerName 127.0.0.1
Listen 127.0.0.1:{{.Port}}
PidFile "{{.Dir}}/apache2.pid"
DefaultRuntimeDir "{{.Dir}}"
Mutex file:{{.Dir}} default
ErrorLog "{{.Dir}}/apache-error.log"
LogLevel warn
{{- if .User}}
User {{.User}}
Group {{.Group}}
{{- end}}

LoadModule mpm_prefork_module {{.Modules}}/mod_mpm_prefork.so
LoadModule authn_core_module {{.Modules}}/mod_authn_core.so
LoadModule authz_core_module {{.Modules}}/mod_authz_core.so
LoadModule alias_module {{.Modules}}/mod_alias.so
LoadModule cgi_module {{.Modules}}/mod_cgi.so
LoadModule mod_shib {{.ModShib}}

StartServers 1
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
KeepAlive Off

LogFormat "%h %t \"%r\" %>s %b" brief
CustomLog "{{.Dir}}/apache-access.log" brief

ShibConfig "{{.Dir}}/shibboleth2.xml"
ShibCompatValidUser Off

<Directory />
    AllowOverride None
    Require all denied
</Directory>

<Location /Shibboleth.sso>
    SetHandler shib
    Require all granted
</Location>

Redirect gone /favicon.ico
ScriptAlias /secure "{{.Dir}}/secure.cgi"
<Location /secure>
    AuthType shibboleth
    ShibRequestSetting requireSession true
    Require shib-session
</Location>
`))

// secure.cgi: the protected page, every variable in an element named
// after it, HTML-escaped.
var secureCGI = template.Must(template.New("secure.cgi").Parse(`#!/bin/sh
esc() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
printf 'Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\r\n'
printf '<!DOCTYPE html>\n<html lang="en"><head><meta charset="UTF-8"><title>Shibboleth SP</title></head><body>\n'
printf '<h1 id="secure">Signed in through Shibboleth</h1>\n<dl>\n'
for v in{{range .Variables}} {{.}}{{end}}; do
  printf '<dt>%s</dt><dd id="%s">%s</dd>\n' "$v" "$v" "$(esc "$(printenv "$v")")"
done
printf '</dl>\n</body></html>\n'
`))
