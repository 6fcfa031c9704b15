from modules.waf.web_acl import WebAcl, WebAclProps

__all__ = ["WebAcl", "WebAclProps"]
