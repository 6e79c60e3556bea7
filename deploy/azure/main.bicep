// The bot on Azure Container Apps, with several replicas sharing Azure Managed Redis.
//
// Creates: a Log Analytics workspace, a Container Apps environment, a user-assigned managed identity,
// the container app (HTTPS ingress on 3978, /healthz and /readyz probes, HTTP scale rule), and the
// identity's role assignments: AcrPull on the registry, Cognitive Services OpenAI User on the Azure
// OpenAI account, Search Index Data Reader on the search service (when one is named) and the Redis
// data access policy on the Azure Managed Redis database.
// Uses, by name, resources that already exist in this resource group: the container registry, the
// Azure OpenAI (or AI Services) account, the search service (optional) and the Azure Managed Redis.
//
//   az deployment group create -g <group> -f deploy/azure/main.bicep \
//     -p @deploy/azure/main.parameters.json -p slackBotToken=... slackSigningSecret=...
// See deploy/README.md.

targetScope = 'resourceGroup'

// ---- Parameters --------------------------------------------------------------------------------

@description('Prefix of every resource name created here (lowercase letters, digits, hyphens).')
@minLength(2)
@maxLength(24)
param name string = 'chatbot'

param location string = resourceGroup().location

@description('The image to run, e.g. myregistry.azurecr.io/azure-chat-bot:1.0.0 (built from deploy/Dockerfile).')
param image string

@description('Existing Azure Container Registry (in this resource group) the image is pulled from, with the identity.')
param containerRegistryName string

@description('Replicas always running. At least 1: Slack expects an answer within 3 seconds, a cold start is slower.')
@minValue(1)
param replicas int = 2

@description('Most replicas the HTTP scale rule may add.')
@minValue(1)
param maxReplicas int = 10

@description('Concurrent HTTP requests per replica before another replica is added.')
param concurrentRequestsPerReplica int = 50

@description('vCPU per replica (a string: 0.25, 0.5, 1, ...); memory must match (0.5 vCPU = 1Gi).')
param cpu string = '0.5'
param memory string = '1Gi'

@description('Existing Azure OpenAI or AI Services account (this resource group).')
param openAiAccountName string

@description('The chat deployment answering by default (AZURE_OPENAI_DEPLOYMENT).')
param openAiDeployment string

@description('Overrides the account endpoint, e.g. https://<resource>.services.ai.azure.com/models.')
param openAiEndpoint string = ''

@description('OPENAI_API_VERSION: a dated api-version, or v1; empty: the bot default.')
param openAiApiVersion string = ''

@description('Optional API key; empty: the identity signs in with Entra ID (the usual choice here).')
@secure()
param openAiApiKey string = ''

@description('Existing Azure AI Search service (this resource group); empty: no documents.')
param searchServiceName string = ''

@description('AZURE_SEARCH_INDEX: the index conversations can turn on with `settings set datasource`.')
param searchIndex string = ''

@description('Optional query key; empty: the identity signs in with Entra ID (Search Index Data Reader).')
@secure()
param searchApiKey string = ''

@description('Existing Azure Managed Redis (Microsoft.Cache/redisEnterprise, this resource group) with Entra ID authentication on.')
param redisName string

@description('Its database (Azure Managed Redis has one, named default).')
param redisDatabaseName string = 'default'

@description('Slack: Bot User OAuth Token (xoxb-...); empty: Slack off.')
@secure()
param slackBotToken string = ''

@description('Slack: signing secret (HTTP mode).')
@secure()
param slackSigningSecret string = ''

@description('Slack: app-level token (xapp-...) for Socket Mode; empty: HTTP (POST /slack/events).')
@secure()
param slackAppToken string = ''

@description('Teams: the bot app id; empty: Teams off (unless teamsAppType is UserAssignedMSI).')
param teamsAppId string = ''

@description('Teams: the app\'s client secret (not for UserAssignedMSI).')
@secure()
param teamsAppPassword string = ''

@description('Teams: UserAssignedMSI uses this template\'s identity as the bot identity when teamsAppId is empty.')
@allowed(['SingleTenant', 'MultiTenant', 'UserAssignedMSI'])
param teamsAppType string = 'SingleTenant'

param teamsTenantId string = tenant().tenantId

@description('More plain settings, e.g. [{ "name": "LOG_LEVEL", "value": "debug" }] (see the README\'s Configuration).')
param additionalEnv array = []

// ---- Constants ---------------------------------------------------------------------------------

var port = 3978
// Built-in role definition ids (the same in every tenant).
var roles = {
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  openAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd' // Cognitive Services OpenAI User
  searchIndexDataReader: '1407120a-92aa-4202-b7e9-c0e197c71c8f'
}
var useSearch = !empty(searchServiceName)
var teamsOn = !empty(teamsAppId) || teamsAppType == 'UserAssignedMSI'

// ---- Existing resources, by name ---------------------------------------------------------------

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: containerRegistryName
}

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: openAiAccountName
}

// A placeholder name when no search service is given: nothing below uses it then.
resource search 'Microsoft.Search/searchServices@2023-11-01' existing = {
  name: useSearch ? searchServiceName : 'no-search-service'
}

resource redis 'Microsoft.Cache/redisEnterprise@2025-04-01' existing = {
  name: redisName

  resource database 'databases' existing = {
    name: redisDatabaseName
  }
}

// ---- Identity and its access -------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-identity'
  location: location
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, identity.id, roles.openAiUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.openAiUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource searchReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useSearch) {
  name: guid(search.id, identity.id, roles.searchIndexDataReader)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.searchIndexDataReader)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Redis data access: the identity becomes a Redis user (user name = its object id) with the
// built-in "default" policy (data commands). The bot authenticates with an Entra ID token.
resource redisAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01' = {
  parent: redis::database
  name: 'bot${uniqueString(identity.id)}' // letters and digits only
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: identity.properties.principalId
    }
  }
}

// ---- Logs and the environment ------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource containerEnv 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: '${name}-env'
  location: location
  properties: {
    // The bot logs JSON lines to stdout: queryable as ContainerAppConsoleLogs_CL.
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
  }
}

// ---- Settings: secrets (Container Apps secrets) and plain variables ---------------------------

// Every secret; only those given become Container Apps secrets, each referenced by its variable.
var allSecrets = [
  { name: 'slack-bot-token', env: 'SLACK_BOT_TOKEN', value: slackBotToken }
  { name: 'slack-signing-secret', env: 'SLACK_SIGNING_SECRET', value: slackSigningSecret }
  { name: 'slack-app-token', env: 'SLACK_APP_TOKEN', value: slackAppToken }
  { name: 'teams-app-password', env: 'MicrosoftAppPassword', value: teamsAppPassword }
  { name: 'openai-api-key', env: 'AZURE_OPENAI_API_KEY', value: openAiApiKey }
  { name: 'search-api-key', env: 'AZURE_SEARCH_API_KEY', value: searchApiKey }
]
var secretList = filter(allSecrets, s => !empty(s.value))
var secretEnv = map(secretList, s => { name: s.env, secretRef: s.name })

var baseEnv = [
  { name: 'PORT', value: string(port) }
  // DefaultAzureCredential picks this user-assigned identity (Azure OpenAI, Search, Redis tokens).
  { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
  { name: 'AZURE_OPENAI_ENDPOINT', value: empty(openAiEndpoint) ? openAi.properties.endpoint : openAiEndpoint }
  { name: 'AZURE_OPENAI_DEPLOYMENT', value: openAiDeployment }
  // Azure Managed Redis: TLS on port 10000. Its OSS cluster policy needs the cluster client (REDIS_URL
  // is then a seed node); the Enterprise policy shows a single endpoint.
  { name: 'REDIS_URL', value: 'rediss://${redis.properties.hostName}:10000' }
  { name: 'REDIS_CLUSTER', value: redis::database.properties.clusteringPolicy == 'OSSCluster' ? 'true' : 'false' }
  // Token authentication as the identity (Redis user name = its object id), no access key.
  { name: 'REDIS_ENTRA_ID', value: 'true' }
]
var versionEnv = empty(openAiApiVersion) ? [] : [{ name: 'OPENAI_API_VERSION', value: openAiApiVersion }]
var searchEndpointEnv = useSearch ? [{ name: 'AZURE_SEARCH_ENDPOINT', value: 'https://${searchServiceName}.search.windows.net' }] : []
var searchIndexEnv = empty(searchIndex) ? [] : [{ name: 'AZURE_SEARCH_INDEX', value: searchIndex }]
var teamsEnv = teamsOn ? [
  { name: 'MicrosoftAppId', value: empty(teamsAppId) ? identity.properties.clientId : teamsAppId }
  { name: 'MicrosoftAppType', value: teamsAppType }
  { name: 'MicrosoftAppTenantId', value: teamsTenantId }
] : []
var env = concat(baseEnv, versionEnv, searchEndpointEnv, searchIndexEnv, teamsEnv, additionalEnv, secretEnv)

// ---- The container app -------------------------------------------------------------------------

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: '${name}-app'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: containerEnv.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true // public HTTPS endpoint for Slack and the Bot Framework
        targetPort: port
        transport: 'auto'
        allowInsecure: false // plain HTTP is redirected to HTTPS
      }
      registries: [{ server: registry.properties.loginServer, identity: identity.id }]
      secrets: map(secretList, s => { name: s.name, value: s.value })
    }
    template: {
      // SIGTERM, then up to this long before SIGKILL: above SHUTDOWN_TIMEOUT_MS (default 25 s).
      terminationGracePeriodSeconds: 30
      containers: [
        {
          name: 'bot'
          image: image
          resources: { cpu: json(cpu), memory: memory }
          env: env
          probes: [
            // Started: the HTTP server listens (config validated, store connected or degraded).
            { type: 'Startup', httpGet: { path: '/healthz', port: port }, periodSeconds: 3, failureThreshold: 10 }
            // Alive: restart the replica when it stops answering.
            { type: 'Liveness', httpGet: { path: '/healthz', port: port }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }
            // Ready: store and configuration usable, not shutting down; otherwise no new traffic.
            { type: 'Readiness', httpGet: { path: '/readyz', port: port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 }
          ]
        }
      ]
      scale: {
        minReplicas: replicas
        maxReplicas: max(replicas, maxReplicas)
        rules: [
          {
            name: 'http-concurrency'
            http: { metadata: { concurrentRequests: string(concurrentRequestsPerReplica) } }
          }
        ]
      }
    }
  }
  // The first revision pulls the image and signs in with the identity: grant its roles first.
  dependsOn: [acrPull, openAiUser, searchReader, redisAccess]
}

// ---- Outputs -----------------------------------------------------------------------------------

output fqdn string = app.properties.configuration.ingress.fqdn
@description('Slack app manifest: request URL of events, interactivity and the slash command (HTTP mode).')
output slackRequestUrl string = 'https://${app.properties.configuration.ingress.fqdn}/slack/events'
@description('Azure Bot resource: messaging endpoint.')
output teamsMessagingEndpoint string = 'https://${app.properties.configuration.ingress.fqdn}/api/messages'
output identityClientId string = identity.properties.clientId
@description('The identity\'s object id: its Redis user name.')
output identityPrincipalId string = identity.properties.principalId
