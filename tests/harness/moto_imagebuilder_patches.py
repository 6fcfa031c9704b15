"""EC2 Image Builder for the harness's moto: moto 5.2.5 has no Image Builder at all, so every call answers
HTTP 500 and no golden-image pipeline (modules/image) can be applied. This emulates the control plane the AWS
provider uses for aws_imagebuilder_component, _image_recipe, _infrastructure_configuration,
_distribution_configuration and _image_pipeline: Create/Get/Update/Delete of each and the tag calls. Nothing
is built: no build instance starts, no AMI is made and no pipeline ever runs.

Same rules as moto_patches: one class or function per gap, each saying what AWS does; `moto_patches.apply_all`
applies IMAGEBUILDER_PATCHES inside the moto server process.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from moto.core.base_backend import AccountSpecificBackend, BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.responses import BaseResponse

IMAGEBUILDER_PATCHES: list[Callable[[], None]] = []

Record = dict[str, Any]
Answer = tuple[str, dict[str, str]]

# Get/Delete name a resource by this query parameter; Get answers it under the key; the ARN names its type.
KINDS = {  # key in Get answers: (ARN parameter, resource type in the ARN)
    "component": ("componentBuildVersionArn", "component"),
    "imageRecipe": ("imageRecipeArn", "image-recipe"),
    "infrastructureConfiguration": ("infrastructureConfigurationArn", "infrastructure-configuration"),
    "distributionConfiguration": ("distributionConfigurationArn", "distribution-configuration"),
    "imagePipeline": ("imagePipelineArn", "image-pipeline"),
}
# Which of an image pipeline's settings name which kind of resource (AWS refuses to delete those while used).
PIPELINE_REFERENCES = {"imageRecipeArn": "imageRecipe", "infrastructureConfigurationArn": "infrastructureConfiguration",
                       "distributionConfigurationArn": "distributionConfiguration"}
# Request members that are not part of the resource Get answers with (besides the ARN naming it in an update).
REQUEST_ONLY = ("clientToken", "semanticVersion")


class ImageBuilderError(ServiceException):
    """ImageBuilderError(code, message): moto answers it with the HTTP status Image Builder's API model gives
    the code (404 for ResourceNotFoundException, 400 for the others used here)."""


def now() -> str:
    """Image Builder answers dates as ISO 8601 strings with milliseconds, e.g. 2024-05-01T12:00:00.000Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def refers_to(reference: str, arn: str) -> bool:
    """Whether a reference names this ARN. For components and recipes: the same account, region, type and
    name, each version part equal or 'x' (latest), and the build number, if the reference gives one, equal."""
    prefix, _, path = reference.partition("/")
    arn_prefix, _, arn_path = arn.partition("/")
    wanted, found = path.split("/"), arn_path.split("/")
    if len(wanted) < 2 or len(found) < 2:  # not versioned: configurations and pipelines
        return reference == arn
    if prefix != arn_prefix or wanted[0] != found[0]:
        return False
    versions = zip(wanted[1].split("."), found[1].split("."), strict=False)
    return all(w in (f, "x") for w, f in versions) and (len(wanted) < 3 or wanted[2] == found[2])


class ImageBuilderBackend(BaseBackend):
    """One account's Image Builder resources in one region, by kind and ARN (moto's reset clears them)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.resources: dict[str, dict[str, Record]] = {kind: {} for kind in KINDS}

    def arn(self, kind: str, name: str, version: str | None = None) -> str:
        """AWS's ARN: the name lower-cased with spaces as hyphens, then the version and (components only)
        the build number, always 1 here since a version is created once."""
        path = "/".join([KINDS[kind][1], re.sub(r"\s+", "-", name.lower()),
                         *([version] if version else []), *(["1"] if kind == "component" else [])])
        return f"arn:{self.partition}:imagebuilder:{self.region_name}:{self.account_id}:{path}"

    def find(self, kind: str, arn: str) -> Record:
        found = self.resources[kind].get(arn)
        if found is None:
            raise ImageBuilderError("ResourceNotFoundException", f"Resource '{arn}' does not exist.")
        return found

    def find_any(self, arn: str) -> Record:
        for records in self.resources.values():
            if arn in records:
                return records[arn]
        raise ImageBuilderError("ResourceNotFoundException", f"Resource '{arn}' does not exist.")

    def own(self, arn: str) -> bool:
        """AWS-managed components and images (owner 'aws') exist in every account; the emulator knows only
        this account's."""
        return arn.split(":")[4:5] == [self.account_id]

    def exists(self, kind: str, reference: str) -> bool:
        return any(refers_to(reference, arn) for arn in self.resources[kind])

    def users_of(self, kind: str, arn: str) -> list[str]:
        """ARNs of the recipes using this component, or of the pipelines using this recipe or configuration."""
        if kind == "component":
            return [recipe_arn for recipe_arn, recipe in self.resources["imageRecipe"].items()
                    if any(refers_to(c["componentArn"], arn) for c in recipe.get("components", []))]
        return [pipeline_arn for pipeline_arn, pipeline in self.resources["imagePipeline"].items()
                if arn in {pipeline.get(field) for field in PIPELINE_REFERENCES}]

    def check_references(self, request: Record) -> None:
        """AWS refuses a recipe or pipeline naming a resource of this account that does not exist."""
        wanted = [("component", c["componentArn"]) for c in request.get("components", [])]
        wanted += [(kind, request[field]) for field, kind in PIPELINE_REFERENCES.items() if request.get(field)]
        for kind, reference in wanted:
            if self.own(reference) and not self.exists(kind, reference):
                raise ImageBuilderError("ResourceNotFoundException", f"Resource '{reference}' does not exist.")

    def create(self, kind: str, request: Record, record: Record) -> str:
        """Store a new resource: what the request said, plus what AWS adds (ARN, owner, creation date)."""
        arn = self.arn(kind, request["name"], request.get("semanticVersion"))
        if arn in self.resources[kind]:
            code = "ResourceInUseException" if kind == "component" else "ResourceAlreadyExistsException"
            raise ImageBuilderError(code, f"The following resource '{arn}' already exists.")
        self.resources[kind][arn] = {**{k: v for k, v in request.items() if k not in REQUEST_ONLY},
                                     "arn": arn, "dateCreated": now(), "tags": request.get("tags") or {}, **record}
        return arn

    def update(self, kind: str, arn: str, request: Record, record: Record) -> None:
        """Update* replaces every setting with the request's (an omitted one is cleared, as in AWS); the name,
        ARN, creation date, tags and what AWS derives stay."""
        current = self.find(kind, arn)
        kept = {k: current[k] for k in ("arn", "name", "dateCreated", "tags", "owner") if k in current}
        settings = {k: v for k, v in request.items() if k not in (*REQUEST_ONLY, KINDS[kind][0])}
        self.resources[kind][arn] = {**settings, **kept, "dateUpdated": now(), **record}

    def delete(self, kind: str, arn: str) -> None:
        """AWS refuses to delete a component a recipe uses, or a recipe or configuration a pipeline uses."""
        self.find(kind, arn)
        users = self.users_of(kind, arn) if kind != "imagePipeline" else []
        if users:
            raise ImageBuilderError("ResourceDependencyException",
                                    f"Resource dependency error: The resource ARN '{arn}' has other resources "
                                    f"depended on it: {', '.join(users)}")
        del self.resources[kind][arn]


# Image Builder is in every EC2 region; botocore's endpoint list (which moto reads) names none for it.
imagebuilder_backends = BackendDict(ImageBuilderBackend, "imagebuilder", use_boto3_regions=False,
                                    additional_regions=AccountSpecificBackend.get_session().get_available_regions("ec2"))


def component_document_type(data: str) -> str:
    """AWS parses an inline component document when it is created and refuses one that is not a YAML mapping
    with schemaVersion and phases (the message is the emulator's wording). A component is BUILD when it has a
    build phase, TEST otherwise."""
    import yaml

    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as error:
        raise ImageBuilderError("InvalidParameterValueException", f"The component document is not valid YAML: "
                                f"{error}") from error
    if not isinstance(document, dict) or "schemaVersion" not in document or not document.get("phases"):
        raise ImageBuilderError("InvalidParameterValueException",
                                "The component document needs schemaVersion and phases.")
    phases = {phase.get("name") for phase in document["phases"] if isinstance(phase, dict)}
    return "BUILD" if "build" in phases else "TEST"


class ImageBuilderResponse(BaseResponse):
    """Image Builder's REST-JSON API: PUT /CreateX with a JSON body, GET /GetX and DELETE /DeleteX with the
    resource's ARN as a query parameter, and GET/POST/DELETE /tags/<ARN> for tags."""

    def __init__(self) -> None:
        super().__init__(service_name="imagebuilder")

    def _get_action(self) -> str:
        if self.path.startswith("/tags/"):
            return {"GET": "ListTagsForResource", "POST": "TagResource", "DELETE": "UntagResource"}[self.method]
        return self.path.strip("/")

    @property
    def backend(self) -> ImageBuilderBackend:
        return imagebuilder_backends[self.current_account][self.region]

    def request(self) -> Record:
        return json.loads(self.body) if self.body else {}

    def query(self, name: str) -> str:
        return str(self.querystring[name][0])

    @staticmethod
    def as_json(answer: Record) -> Answer:
        return json.dumps(answer), {"Content-Type": "application/json"}

    def answer(self, **fields: Any) -> Answer:
        return self.as_json({"requestId": str(uuid.uuid4()), **fields})

    def created(self, kind: str, arn: str, request: Record) -> Answer:
        return self.answer(clientToken=request.get("clientToken"), **{KINDS[kind][0]: arn})

    def get(self, kind: str) -> Answer:
        return self.answer(**{kind: self.backend.find(kind, self.query(KINDS[kind][0]))})

    def delete(self, kind: str) -> Answer:
        arn = self.query(KINDS[kind][0])
        self.backend.delete(kind, arn)
        return self.answer(**{KINDS[kind][0]: arn})

    def create_component(self) -> Answer:
        request = self.request()
        record = {"owner": self.current_account, "encrypted": True, "state": {"status": "ACTIVE"},
                  "version": request["semanticVersion"]}  # AWS encrypts every component, by default with its key
        if request.get("data"):
            record["type"] = component_document_type(request["data"])
        return self.created("component", self.backend.create("component", request, record), request)

    def get_component(self) -> Answer:
        return self.get("component")

    def delete_component(self) -> Answer:
        return self.delete("component")

    def create_image_recipe(self) -> Answer:
        request = self.request()
        self.backend.check_references(request)
        # AWS takes the platform from the parent image, whose name says which it is
        platform = "Windows" if "windows" in request["parentImage"].lower() else "Linux"
        record = {"owner": self.current_account, "type": "AMI", "platform": platform,
                  "version": request["semanticVersion"],
                  # AWS answers the Systems Manager agent setting even when the request left it out
                  "additionalInstanceConfiguration": request.get("additionalInstanceConfiguration") or {
                      "systemsManagerAgent": {"uninstallAfterBuild": False}}}
        return self.created("imageRecipe", self.backend.create("imageRecipe", request, record), request)

    def get_image_recipe(self) -> Answer:
        return self.get("imageRecipe")

    def delete_image_recipe(self) -> Answer:
        return self.delete("imageRecipe")

    def instance_profile_must_exist(self, request: Record) -> None:
        """AWS checks the build instance's profile (the provider retries this error while IAM propagates)."""
        from moto.iam.models import iam_backends

        name = request.get("instanceProfileName")
        profiles = iam_backends[self.current_account][self.partition].instance_profiles.values()
        if not any(profile.name == name for profile in profiles):
            raise ImageBuilderError("InvalidParameterValueException",
                                    "The value supplied for parameter 'instanceProfileName' is not valid. The "
                                    f"provided instance profile does not exist: {name}")

    def create_infrastructure_configuration(self) -> Answer:
        request = self.request()
        self.instance_profile_must_exist(request)
        arn = self.backend.create("infrastructureConfiguration", request, {})
        return self.created("infrastructureConfiguration", arn, request)

    def update_infrastructure_configuration(self) -> Answer:
        request = self.request()
        self.instance_profile_must_exist(request)
        arn = request["infrastructureConfigurationArn"]
        self.backend.update("infrastructureConfiguration", arn, request, {})
        return self.created("infrastructureConfiguration", arn, request)

    def get_infrastructure_configuration(self) -> Answer:
        return self.get("infrastructureConfiguration")

    def delete_infrastructure_configuration(self) -> Answer:
        return self.delete("infrastructureConfiguration")

    def create_distribution_configuration(self) -> Answer:
        request = self.request()
        arn = self.backend.create("distributionConfiguration", request, {})
        return self.created("distributionConfiguration", arn, request)

    def update_distribution_configuration(self) -> Answer:
        request = self.request()
        arn = request["distributionConfigurationArn"]
        self.backend.update("distributionConfiguration", arn, request, {})
        return self.created("distributionConfiguration", arn, request)

    def get_distribution_configuration(self) -> Answer:
        return self.get("distributionConfiguration")

    def delete_distribution_configuration(self) -> Answer:
        return self.delete("distributionConfiguration")

    def pipeline_settings(self, request: Record) -> Record:
        """What AWS adds to a pipeline: the platform of its recipe, and its documented defaults (enabled, image
        metadata collected, image tests on with a 720-minute timeout, schedule in UTC, no workflows)."""
        self.backend.check_references(request)
        recipe = request.get("imageRecipeArn")
        settings: Record = {"platform": self.backend.find("imageRecipe", recipe)["platform"] if recipe else "Linux",
                            "status": request.get("status") or "ENABLED",
                            "enhancedImageMetadataEnabled": request.get("enhancedImageMetadataEnabled", True),
                            "imageTestsConfiguration": {"imageTestsEnabled": True, "timeoutMinutes": 720,
                                                        **(request.get("imageTestsConfiguration") or {})},
                            "workflows": request.get("workflows") or []}
        if request.get("schedule"):
            settings["schedule"] = {"timezone": "UTC", **request["schedule"]}
        return settings

    def create_image_pipeline(self) -> Answer:
        request = self.request()
        arn = self.backend.create("imagePipeline", request, self.pipeline_settings(request))
        return self.created("imagePipeline", arn, request)

    def update_image_pipeline(self) -> Answer:
        request = self.request()
        arn = request["imagePipelineArn"]
        self.backend.update("imagePipeline", arn, request, self.pipeline_settings(request))
        return self.created("imagePipeline", arn, request)

    def get_image_pipeline(self) -> Answer:
        return self.get("imagePipeline")

    def delete_image_pipeline(self) -> Answer:
        return self.delete("imagePipeline")

    def tagged(self) -> Record:
        return self.backend.find_any(unquote(self.path[len("/tags/"):]))

    def list_tags_for_resource(self) -> Answer:
        return self.as_json({"tags": self.tagged()["tags"]})

    def tag_resource(self) -> Answer:
        self.tagged()["tags"].update(self.request().get("tags") or {})
        return self.as_json({})

    def untag_resource(self) -> Answer:
        tags = self.tagged()["tags"]
        for key in self.querystring.get("tagKeys", []):
            tags.pop(key, None)
        return self.as_json({})


def imagebuilder_requests_reach_the_emulation() -> None:
    """moto's server finds no backend for requests signed for 'imagebuilder' and fails them (HTTP 500). The
    patch hands them to ImageBuilderResponse. It hooks get_application, which runs inside the request lock
    and the retry replay of moto_patches (both wrap the dispatcher's __call__)."""
    from typing import cast

    from flask import Flask
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server.werkzeug_app import HTTP_METHODS, BackendRequest, DomainDispatcherApplication

    app = Flask("moto-imagebuilder")
    app.request_class = BackendRequest
    app.add_url_rule("/<path:path>", endpoint="imagebuilder", methods=HTTP_METHODS,
                     view_func=convert_to_flask_response(ImageBuilderResponse.dispatch))
    original = DomainDispatcherApplication.get_application

    def signing_service(environ: dict[str, Any]) -> str | None:
        """The service of a SigV4 credential scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request."""
        found = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        return found.group(1) if found else None

    def get_application(self: DomainDispatcherApplication, environ: dict[str, Any]) -> Flask:
        return app if signing_service(environ) == "imagebuilder" else cast(Flask, original(self, environ))

    DomainDispatcherApplication.get_application = get_application  # type: ignore[method-assign]


IMAGEBUILDER_PATCHES.append(imagebuilder_requests_reach_the_emulation)
