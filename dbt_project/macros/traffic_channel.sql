{#- traffic_channel: the marketing channel of a web session from its UTM tags and referrer, in
    the vocabulary the CRM's original source uses (organic_search, paid_search, social,
    paid_social, email, referral, display, events, partner, direct, other). The first matching
    rule wins. A session whose UTM campaign names a known campaign takes that campaign's channel
    instead (see int_sessions_attributed). -#}

{% macro social_source_pattern(column) -%}
    ({{ column }} like '%facebook%' or {{ column }} like '%linkedin%' or {{ column }} like '%twitter%'
     or {{ column }} like '%instagram%' or {{ column }} like '%t.co/%' or {{ column }} like '%youtube%'
     or {{ column }} like '%reddit%' or {{ column }} in ('x', 'fb', 'ig', 'li'))
{%- endmacro %}

{% macro search_source_pattern(column) -%}
    ({{ column }} like '%google%' or {{ column }} like '%bing%' or {{ column }} like '%duckduckgo%'
     or {{ column }} like '%yahoo%' or {{ column }} like '%baidu%' or {{ column }} like '%ecosia%')
{%- endmacro %}

{% macro traffic_channel(utm_source, utm_medium, referrer) -%}
    case
        when {{ utm_medium }} in ('email', 'e-mail', 'newsletter') then 'email'
        when {{ utm_medium }} in ('cpc', 'ppc', 'paid', 'paidsocial', 'paid_social', 'social_paid')
            and {{ social_source_pattern(utm_source) }} then 'paid_social'
        when {{ utm_medium }} in ('paid_social', 'paidsocial', 'social_paid') then 'paid_social'
        when {{ utm_medium }} in ('cpc', 'ppc', 'paid', 'paid_search', 'sem') then 'paid_search'
        when {{ utm_medium }} in ('display', 'banner', 'cpm', 'programmatic') then 'display'
        when {{ utm_medium }} in ('social', 'organic_social', 'social_organic')
            or {{ social_source_pattern(utm_source) }} then 'social'
        when {{ utm_medium }} in ('event', 'events') then 'events'
        when {{ utm_medium }} in ('partner', 'marketplace') then 'partner'
        when {{ utm_medium }} in ('referral', 'affiliate') then 'referral'
        when {{ utm_medium }} in ('organic', 'organic_search', 'seo') then 'organic_search'
        when {{ utm_medium }} is not null then 'other'
        when {{ referrer }} is null then 'direct'
        when {{ search_source_pattern('lower(' ~ referrer ~ ')') }} then 'organic_search'
        when {{ social_source_pattern('lower(' ~ referrer ~ ')') }} then 'social'
        else 'referral'
    end
{%- endmacro %}
